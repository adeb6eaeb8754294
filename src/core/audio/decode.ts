import { open, stat, type FileHandle } from 'node:fs/promises'
import type { AudioInfo } from '../../shared/contract/audio'
import { UserError } from '../errors'
import { ffmpegProbe, ffmpegReason, spawnFfmpeg } from './ffmpeg'
import { readWavBlocks, readWavHeader, type WavHeader } from './wav'

/*
 * Audio decoding for every area of MuteScope. Two calls:
 *
 *   const info = await probeAudio(file)            // rate, channels, duration; throws UserError on bad files
 *   const { sampleRate, blocks } = await decodeAudio(file, { sampleRate: 48000 })
 *   for await (const block of blocks) ...           // mono Float32Array blocks in [-1, 1], full scale = 1
 *
 * WAV (PCM 8/16/24/32-bit, float 32/64-bit) at its own rate is read natively; everything else, and any
 * resampling, goes through ffmpeg (MUTESCOPE_FFMPEG or `ffmpeg` on the PATH). Memory stays constant: blocks
 * are produced as the consumer asks for them, and stopping the iteration early stops ffmpeg. Bad files fail
 * before the first block with a UserError naming the fix (missing, empty, truncated, not audio, unsupported,
 * ffmpeg missing).
 */

export interface DecodeOptions {
  /** Output rate in Hz; the file's own rate when omitted. */
  sampleRate?: number
  /** Largest block in samples; blocks may be shorter (ffmpeg yields what each pipe read brings). */
  blockSize?: number
}

export interface DecodedAudio {
  sampleRate: number
  durationS: number | null
  /** Iterable once. */
  blocks: AsyncIterable<Float32Array>
}

const DEFAULT_BLOCK = 1 << 15

interface Opened {
  info: AudioInfo
  wav: WavHeader | null
}

async function inspect(file: string): Promise<Opened> {
  const st = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(
      err.code === 'ENOENT'
        ? `${file} does not exist; check the path`
        : `cannot read ${file}: ${err.message}`,
      'not_found',
    )
  })
  if (!st.isFile()) throw new UserError(`${file} is not a file; give the path of an audio file`, 'not_audio')
  if (st.size === 0) throw new UserError(`${file} is empty (0 bytes); copy or export it again`, 'empty')
  const fh = await open(file, 'r')
  let wav: WavHeader | null
  try {
    wav = await readWavHeader(fh, st.size, file)
  } finally {
    await fh.close()
  }
  if (wav?.dataBytes === 0) throw new UserError(`${file} holds no audio samples; export it again`, 'empty')
  if (wav && wav.encoding !== 'other') {
    return {
      wav,
      info: {
        sampleRate: wav.sampleRate,
        channels: wav.channels,
        durationS: wav.dataBytes / wav.blockAlign / wav.sampleRate,
        codec: `${wav.encoding}${wav.bitsPerSample}`,
        decoder: 'wav',
      },
    }
  }
  const what = wav ? `this WAV encoding (format 0x${wav.formatCode.toString(16)})` : 'this file format'
  const probe = await ffmpegProbe(file).catch((err: unknown) => {
    if (err instanceof UserError && err.code === 'ffmpeg_missing' && wav) {
      throw new UserError(`${err.message}; or convert ${file} to PCM or float WAV`, err.code)
    }
    throw err
  })
  if (probe.sampleRate <= 0)
    throw new UserError(`${file}: ffmpeg cannot decode ${what}; convert it to WAV`, 'unsupported')
  return {
    wav: null,
    info: {
      sampleRate: probe.sampleRate,
      channels: channelCount(probe.channels),
      durationS: probe.durationS,
      codec: probe.codec,
      decoder: 'ffmpeg',
    },
  }
}

function channelCount(layout: string): number | null {
  const named: Record<string, number> = {
    mono: 1,
    stereo: 2,
    '2.1': 3,
    quad: 4,
    '5.0': 5,
    '5.1': 6,
    '7.1': 8,
  }
  const n = /^(\d+) channels/.exec(layout)
  return n ? Number(n[1]) : (named[layout.replace(/\(.*\)$/, '')] ?? null)
}

export async function probeAudio(file: string): Promise<AudioInfo> {
  return (await inspect(file)).info
}

export async function decodeAudio(file: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const { info, wav } = await inspect(file)
  const sampleRate = opts.sampleRate ?? info.sampleRate
  if (!Number.isInteger(sampleRate) || sampleRate < 1000 || sampleRate > 768_000) {
    throw new UserError(`sample rate must be a whole number of Hz between 1000 and 768000, got ${sampleRate}`)
  }
  const blockSize = opts.blockSize ?? DEFAULT_BLOCK
  const blocks =
    wav && sampleRate === wav.sampleRate
      ? wavBlocks(file, wav, blockSize)
      : ffmpegBlocks(file, info.channels, sampleRate, blockSize)
  return { sampleRate, durationS: info.durationS, blocks }
}

async function* wavBlocks(file: string, h: WavHeader, blockSize: number): AsyncGenerator<Float32Array> {
  let fh: FileHandle | undefined
  try {
    fh = await open(file, 'r')
    yield* readWavBlocks(fh, h, blockSize)
  } finally {
    await fh?.close()
  }
}

/**
 * The mono mix is the mean of the channels, as in the WAV reader. ffmpeg's own `-ac 1` sums stereo at -3 dB
 * each (L+R)/sqrt 2, which would read 3 dB hotter than the same audio as WAV; it is the fallback only for
 * layouts whose channel count ffmpeg does not state.
 */
function monoMix(channels: number | null): string[] {
  if (channels === null) return ['-ac', '1']
  const terms = Array.from({ length: channels }, (_, c) => `${1 / channels}*c${c}`)
  return ['-af', `pan=mono|c0=${terms.join('+')}`]
}

async function* ffmpegBlocks(
  file: string,
  channels: number | null,
  sampleRate: number,
  blockSize: number,
): AsyncGenerator<Float32Array> {
  const args = [
    '-v',
    'error',
    '-i',
    file,
    '-map',
    '0:a:0',
    '-vn',
    ...monoMix(channels),
    '-ar',
    String(sampleRate),
  ]
  const run = spawnFfmpeg([...args, '-f', 'f32le', '-acodec', 'pcm_f32le', 'pipe:1'], 'decoding this file')
  const { proc } = run
  // Attach now so a spawn failure is never an unhandled rejection; it is rethrown below.
  const exited = run.exited.then(
    (code) => ({ code, err: null as unknown }),
    (err: unknown) => ({ code: -1, err }),
  )
  let pending: Buffer = Buffer.alloc(0)
  let samples = 0
  let done = false
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      // Pipe chunks need not end on a sample boundary; carry the 0-3 odd bytes over.
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
      while (pending.length >= 4) {
        const n = Math.min(blockSize, pending.length >> 2)
        const out = new Float32Array(n)
        new Uint8Array(out.buffer).set(pending.subarray(0, n * 4))
        pending = pending.subarray(n * 4)
        samples += n
        yield out
      }
    }
    const { code, err } = await exited
    if (err) throw err
    if (code !== 0) {
      throw new UserError(`ffmpeg could not decode ${file}: ${ffmpegReason(run.stderr(), file)}`, 'not_audio')
    }
    if (samples === 0) {
      throw new UserError(
        `${file} holds no decodable audio (${ffmpegReason(run.stderr(), file)}); check that it is a complete audio file`,
        'not_audio',
      )
    }
    done = true
  } finally {
    if (!done && proc.exitCode === null) proc.kill('SIGKILL')
  }
}
