// `npm run bench:levels`: A-weighted Fast levels (LevelMeter) of a 20-minute 48 kHz episode, beside the time to
// decode it (native WAV reader, and ffmpeg on a FLAC copy), the whole `levels` pipeline, and peak memory; then a
// 2-hour file to show memory stays flat. Goal: >= 500x real time on one core. Files are made with sox in a temp
// folder and removed at the end. BENCH_MINUTES and BENCH_LONG_MINUTES override the lengths.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeAudio } from '../src/core/audio/decode'
import { fileLevels } from '../src/core/audio/file-levels'
import { LevelMeter } from '../src/core/audio/level-meter'

const RATE = 48_000
const minutes = Number(process.env.BENCH_MINUTES ?? 20)
const longMinutes = Number(process.env.BENCH_LONG_MINUTES ?? 120)
const dir = mkdtempSync(join(tmpdir(), 'mutescope-bench-levels-'))

/** Pink noise with a slow level sweep, like programme material rather than a steady tone. */
function makeWav(name: string, mins: number): string {
  const file = join(dir, name)
  const s = mins * 60
  execFileSync('sox', [
    '-n',
    '-r',
    String(RATE),
    '-c',
    '1',
    '-b',
    '16',
    file,
    'synth',
    String(s),
    'pinknoise',
    'tremolo',
    '0.05',
    '60',
    'vol',
    '0.3',
  ])
  return file
}

let peakRss = 0
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss))
const mb = (b: number) => (b / 2 ** 20).toFixed(0) + ' MB'

async function decodeOnly(file: string): Promise<{ ms: number; samples: number }> {
  const t0 = performance.now()
  let samples = 0
  for await (const b of (await decodeAudio(file)).blocks) samples += b.length
  return { ms: performance.now() - t0, samples }
}

/** Decodes first (not timed), then times only LevelMeter.push over the blocks, in 60 s batches. */
async function meterOnly(file: string): Promise<{ ms: number; samples: number; rssAt: number[] }> {
  const meter = new LevelMeter({ sampleRate: RATE, weighting: 'A', timeWeighting: 'F', windowS: 60 })
  let ms = 0
  let samples = 0
  const rssAt: number[] = []
  let batch: Float32Array[] = []
  let batchLen = 0
  const flush = () => {
    const t0 = performance.now()
    for (const b of batch) meter.push(b)
    ms += performance.now() - t0
    samples += batchLen
    batch = []
    batchLen = 0
    sampleRss()
    rssAt.push(process.memoryUsage().rss)
  }
  for await (const b of (await decodeAudio(file)).blocks) {
    batch.push(b)
    batchLen += b.length
    if (batchLen >= RATE * 60) flush()
  }
  flush()
  meter.finish()
  return { ms, samples, rssAt }
}

async function main(): Promise<void> {
  process.stdout.write(`generating a ${minutes}-minute and a ${longMinutes}-minute 48 kHz WAV with sox...\n`)
  const wav = makeWav('episode.wav', minutes)
  const flac = join(dir, 'episode.flac')
  execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-i', wav, flac])
  const audioS = minutes * 60

  const native = await decodeOnly(wav)
  const viaFfmpeg = await decodeOnly(flac)
  const meter = await meterOnly(wav)
  const t0 = performance.now()
  await fileLevels(wav, { weighting: 'A', windowS: 60 })
  const pipelineMs = performance.now() - t0
  sampleRss()
  const peak20 = peakRss

  const rate = (samples: number, ms: number) => `${(((samples / ms) * 1000) / 1e6).toFixed(1)} M samples/s`
  const rt = (ms: number) => `${(audioS / (ms / 1000)).toFixed(0)}x real time`
  const rows: [string, string][] = [
    [
      `LevelMeter A + Fast, ${minutes} min at 48 kHz (one core)`,
      `${(meter.ms / 1000).toFixed(2)} s  ${rate(meter.samples, meter.ms)}  ${rt(meter.ms)}`,
    ],
    ['decode, native WAV reader', `${(native.ms / 1000).toFixed(2)} s  ${rt(native.ms)}`],
    [
      'decode, ffmpeg (FLAC copy, separate process)',
      `${(viaFfmpeg.ms / 1000).toFixed(2)} s  ${rt(viaFfmpeg.ms)}`,
    ],
    [
      'levels pipeline (decode WAV + meter, 60 s windows)',
      `${(pipelineMs / 1000).toFixed(2)} s  ${rt(pipelineMs)}`,
    ],
    [`peak RSS over the ${minutes}-minute runs`, mb(peak20)],
  ]
  rmSync(flac)
  rmSync(wav)

  const long = makeWav('long.wav', longMinutes)
  const longRun = await meterOnly(long)
  const q = longRun.rssAt
  rows.push(
    [
      `${longMinutes}-minute file (${mb(statSync(long).size)} WAV): meter`,
      `${(longRun.ms / 1000).toFixed(2)} s  ${rt(longRun.ms * (minutes / longMinutes))}`,
    ],
    [
      '  RSS after 10% / 50% / 100% of it',
      [0.1, 0.5, 1].map((f) => mb(q[Math.min(q.length - 1, Math.floor(f * (q.length - 1)))])).join(' / '),
    ],
    ['  peak RSS overall', mb(peakRss)],
  )
  rmSync(dir, { recursive: true, force: true })
  const width = Math.max(...rows.map((r) => r[0].length))
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n')
}

main().catch((err: unknown) => {
  rmSync(dir, { recursive: true, force: true })
  process.stderr.write(`bench:levels failed: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exitCode = 1
})
