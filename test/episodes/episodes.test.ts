import { spawnSync } from 'node:child_process'
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/core/app'
import { expandPlaylists } from '../../src/core/audio/playlist'
import { fewIntervalsWarning } from '../../src/shared/run-yield'
import { repoRoot, runCli, tempDir } from '../support/helpers'

const dir = tempDir('mutescope-episodes-')
const dataDir = tempDir('mutescope-episodes-data-')

/** ffmpeg's sine source has amplitude 1/8; scaled by `gain`, a 1 kHz tone's LAeq is 20 lg(gain/8) - 3.01 dB. */
const toneLaeq = (gain: number) => 20 * Math.log10(gain / 8) - 3.01

function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8', timeout: 120_000 })
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`)
}

const files = {
  /** A 20-minute episode (FLAC in Matroska) whose eighth minute is 12 dB louder. */
  long: join(dir, 'episode one.mkv'),
  /** Two minutes of MP3: with one report a minute, too short for a correlation on its own. */
  short: join(dir, 'short.mp3'),
  broken: join(dir, 'broken.m4a'),
  playlist: join(dir, 'season.m3u8'),
}

beforeAll(() => {
  const tone = (s: number) => `sine=frequency=1000:sample_rate=16000:duration=${s}`
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    tone(1200),
    '-af',
    "volume=0.25,volume=4:enable='between(t,420,480)'",
    '-c:a',
    'flac',
    files.long,
  ])
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    tone(120),
    '-af',
    'volume=0.5',
    '-c:a',
    'libmp3lame',
    '-b:a',
    '64k',
    files.short,
  ])
  writeFileSync(files.broken, 'not audio at all')
  writeFileSync(
    files.playlist,
    `#EXTM3U\n#EXTINF:1200,Episode one\nepisode one.mkv\n\n#EXTINF:120,Short\n${files.short}\n`,
  )
})

describe('episode summaries before a run', () => {
  it('`mutescope episodes` expands a playlist and gives duration, LAeq and loudest minute of each', () => {
    const r = runCli(['episodes', files.playlist, '--interval', '60', '--json'], {
      dataDir,
      timeoutMs: 120_000,
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.episodes.map((e: { file: string }) => e.file)).toEqual([files.long, files.short])
    const [long, short] = out.episodes
    expect(long.durationS).toBeCloseTo(1200, 1)
    // 19 minutes at the base level and one 12 dB louder, energy-averaged.
    const base = toneLaeq(0.25)
    expect(long.laeq).toBeCloseTo(
      10 * Math.log10((19 * 10 ** (base / 10) + 10 ** ((base + 12.04) / 10)) / 20),
      1,
    )
    expect(long.loudestMinute.startS).toBe(420)
    expect(long.loudestMinute.laeq).toBeCloseTo(base + 12.04, 1)
    expect(short.durationS).toBeCloseTo(120, 0)
    expect(short.laeq).toBeCloseTo(toneLaeq(0.5), 0)
    expect(out.totalDurationS).toBeCloseTo(1320, 0)
    expect(out.warning).toBeNull()
  })

  it('warns when a run would give fewer than 3 telemetry intervals, and says what to change', () => {
    const r = runCli(['episodes', files.short, '--interval', '60'], { dataDir })
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/LAeq -2\d\.\d dBFS \(A-weighted\)/)
    expect(r.stdout).toMatch(
      /warning: This run will give only 2 telemetry intervals \(120(\.\d)? s of playback, one report every 60 s\); .*at least 3.*loop the playlist/,
    )
    const looped = JSON.parse(
      runCli(['episodes', files.short, '--interval', '60', '--loop', '--json'], { dataDir }).stdout,
    )
    expect(looped.warning).toBeNull()
    expect(fewIntervalsWarning(120, 600, false, 60)).toBeNull()
    expect(fewIntervalsWarning(1320, 90, false, 60)).toMatch(/only 1 telemetry interval \(90 s/)
    expect(fewIntervalsWarning(null, null, false, 60)).toBeNull()
  })

  it('names a file that cannot be decoded, beside the others', () => {
    const r = runCli(['episodes', files.short, files.broken, '--calibration', '94'], { dataDir })
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/short\.mp3: 2:00, LAeq \d+\.\d dBA/)
    expect(r.stdout).toMatch(/broken\.m4a: .*(not|ffmpeg)/)
  })

  it('the episodeSummaries request adds the calibration and refuses a playlist of URLs', async () => {
    const app = createApp({ dataDir, transport: 'web' })
    try {
      const reply = await app.dispatch('episodeSummaries', { episodes: [files.short], calibrationDb: 94 })
      expect(reply.ok).toBe(true)
      const { episodes } = (reply as { result: { episodes: { laeq: number }[] } }).result
      expect(episodes[0].laeq).toBeCloseTo(toneLaeq(0.5) + 94, 0)
      const urls = join(dir, 'urls.m3u')
      writeFileSync(urls, 'https://example.com/friends.mp4\n')
      const bad = await app.dispatch('episodeSummaries', { episodes: [urls] })
      expect(bad).toMatchObject({
        ok: false,
        error: { message: expect.stringMatching(/names a URL.*download the episode/) },
      })
    } finally {
      app.close()
    }
  })

  it('expands nested playlists relative to their own folder, and refuses a playlist that includes itself', () => {
    const outer = join(dir, 'outer.m3u')
    writeFileSync(outer, '# comment\nseason.m3u8\nshort.mp3\n')
    expect(expandPlaylists([outer, files.long])).toEqual([files.long, files.short, files.short, files.long])
    const loop = join(dir, 'loop.m3u')
    writeFileSync(loop, 'loop.m3u\n')
    expect(() => expandPlaylists([loop])).toThrow(/nested more than 4 deep/)
  })
})

describe('mutescope settings', () => {
  it('keeps the default calibration of new sessions in the data folder', () => {
    const d = tempDir('mutescope-settings-')
    expect(JSON.parse(runCli(['settings', '--json'], { dataDir: d }).stdout)).toEqual({ calibrationDb: null })
    expect(JSON.parse(runCli(['settings', '--calibration', '94', '--json'], { dataDir: d }).stdout)).toEqual({
      calibrationDb: 94,
    })
    expect(runCli(['settings'], { dataDir: d }).stdout).toBe(
      'calibration of new sessions: 94 dB (levels in dBA)\n',
    )
    expect(statSync(join(d, 'settings.json')).mode & 0o777).toBe(0o600)
    expect(
      JSON.parse(runCli(['settings', '--calibration', 'none', '--json'], { dataDir: d }).stdout),
    ).toEqual({
      calibrationDb: null,
    })
    const bad = runCli(['settings', '--calibration', 'loud'], { dataDir: d })
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/--calibration must be a number, got "loud"/)
    writeFileSync(join(d, 'settings.json'), '{"calibrationDb": "loud"}')
    const corrupt = runCli(['settings'], { dataDir: d })
    expect(corrupt.status).toBe(1)
    expect(corrupt.stderr).toMatch(/settings\.json is invalid: .*fix it or delete it/)
  })
})

describe('mutescope run with a playlist', () => {
  it('plays the episodes an M3U names, warns of too few intervals, and takes the default calibration', () => {
    const pulse = spawnSync('bash', [join(repoRoot, 'scripts', 'pulseaudio.sh')], { encoding: 'utf8' })
    expect(pulse.status, pulse.stderr).toBe(0)
    const d = tempDir('mutescope-run-playlist-')
    expect(runCli(['settings', '--calibration', '94'], { dataDir: d }).status).toBe(0)
    const list = join(dir, 'demo.m3u')
    writeFileSync(list, `#EXTM3U\n${join(repoRoot, 'resources', 'demo', 'demo-episode.opus')}\n`)
    const r = runCli(
      ['run', '--target', 'refvca', '--episode', list, '--interval', '60', '--duration', '4', '--json'],
      { dataDir: d, timeoutMs: 120_000 },
    )
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toMatch(
      /\[warning\] This run will give only 0 telemetry intervals \(4 s of playback, one report every 60 s\)/,
    )
    const { sessionId } = JSON.parse(r.stdout.trim().split('\n').pop()!)
    const shown = JSON.parse(runCli(['sessions', 'show', String(sessionId), '--json'], { dataDir: d }).stdout)
    expect(shown).toMatchObject({
      calibrationDb: 94,
      episodes: [join(repoRoot, 'resources', 'demo', 'demo-episode.opus')],
    })
  })
})
