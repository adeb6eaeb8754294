import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileLevels } from '../../src/core/audio/file-levels'
import { LevelMeter } from '../../src/core/audio/level-meter'
import { UserError } from '../../src/core/errors'
import { micSetup, micTeardown } from '../../src/core/mic'
import { SINK, SOURCE } from '../../src/core/mic/pulse'
import { outputCommand } from '../../src/core/playback/output'
import { Player, type PlaybackProgress, type StopInfo } from '../../src/core/playback/player'
import type { LevelSecond, LevelWindow } from '../../src/shared/model'
import { synth, tempDir } from './helpers'

const path = tempDir()

interface Recorded {
  events: string[]
  windows: LevelWindow[]
  seconds: LevelSecond[]
  progress: PlaybackProgress[]
  times: Record<string, number[]>
}

function record(player: Player): Recorded {
  const r: Recorded = { events: [], windows: [], seconds: [], progress: [], times: {} }
  for (const name of ['start', 'episode', 'pause', 'resume', 'stop'] as const) {
    player.on(name, (e: { t: number }) => {
      r.events.push(name)
      ;(r.times[name] ??= []).push(e.t)
    })
  }
  player.on('window', (w) => r.windows.push(w))
  player.on('second', (s) => r.seconds.push(s))
  player.on('progress', (p) => r.progress.push(p))
  return r
}

/** Records the virtual microphone with parec until stopped; returns its samples. */
function listen(rate: number) {
  const raw = ['--format=float32le', `--rate=${rate}`, '--channels=1', '--raw', '--latency-msec=50']
  const rec = spawn('parec', [`--device=${SOURCE}`, ...raw], { stdio: ['ignore', 'pipe', 'inherit'] })
  const chunks: Buffer[] = []
  rec.stdout.on('data', (c: Buffer) => chunks.push(c))
  return async () => {
    await new Promise((r) => setTimeout(r, 400))
    rec.kill('SIGTERM')
    await new Promise((r) => rec.on('close', r))
    const b = Buffer.concat(chunks)
    return new Float32Array(b.buffer, b.byteOffset, b.length >> 2)
  }
}

describe('Player (real PulseAudio)', () => {
  const fs = 48000
  const loud = path('loud.wav')
  const noise = path('noise.wav')
  const quiet = path('quiet.flac')

  beforeAll(async () => {
    execFileSync(join(__dirname, '../../scripts/pulseaudio.sh'), { stdio: 'inherit' })
    await micSetup()
    synth(loud, '-r 48000 -c 1 -e floating-point -b 32', 2, 'sine 1000 vol 0.5')
    // Noise whose level changes from window to window: measured levels must be those of these very samples.
    synth(noise, '-r 48000 -c 1 -b 16', 2, 'pinknoise tremolo 0.7 90 vol 0.3')
    // 44.1 kHz stereo FLAC: resampled and mixed on the way in.
    synth(quiet, '-r 44100 -c 2 -b 16', 1.5, 'sine 1000 vol 0.05')
  })
  afterAll(async () => {
    await micTeardown()
  })

  it('plays a playlist in real time into the virtual mic, measuring what it sent with wall-clock windows', async () => {
    const player = new Player({ episodes: [noise, quiet], device: SINK, windowS: 1, weighting: 'Z' })
    const r = record(player)
    const stopRecording = listen(fs)
    await new Promise((res) => setTimeout(res, 300))
    await player.start()
    const stop = await player.done
    const heard = await stopRecording()

    expect(stop).toMatchObject({ reason: 'ended' })
    expect(r.events).toEqual(['start', 'episode', 'episode', 'stop'])
    // 3.5 s of audio takes 3.5 s to play, from the first sample heard to the last.
    expect(stop.t - r.times.start[0]).toBeGreaterThan(3400)
    // (and not much longer: a loaded machine delays the stop by a few hundred ms, never by seconds).
    expect(stop.t - r.times.start[0]).toBeLessThan(4500)
    // Windows: 1 s each, contiguous in wall-clock time, labelled with their episode.
    expect(r.windows.map((w) => w.episode)).toEqual(['noise.wav', 'noise.wav', 'quiet.flac', 'quiet.flac'])
    // (to the ms by which the server's clock reports refine the anchor, or a brief underrun on a busy machine)
    for (let i = 1; i < r.windows.length; i++) {
      expect(Math.abs(r.windows[i].startT - r.windows[i - 1].endT)).toBeLessThan(100)
    }
    expect(Math.abs(r.windows[0].endT - r.windows[0].startT - 1000)).toBeLessThan(100)
    expect(Math.abs(r.windows[3].endT - r.windows[3].startT - 500)).toBeLessThan(100)
    expect(Math.abs(r.windows[0].startT - r.times.start[0])).toBeLessThan(20)
    // The levels of exactly the samples sent: the file's own, window by window.
    const own = await fileLevels(noise, { windowS: 1, weighting: 'Z' })
    for (const i of [0, 1]) {
      for (const k of ['leq', 'lmax', 'peak', 'powerDb'] as const) {
        expect(r.windows[i][k], `window ${i} ${k}`).toBeCloseTo(own.windows[i][k]!, 2)
      }
    }
    expect(Math.abs(r.windows[0].leq! - r.windows[1].leq!)).toBeGreaterThan(0.5)
    expect(r.windows[2].leq).toBeCloseTo(-29.03, 1)
    expect(r.seconds).toHaveLength(4)
    expect(r.progress.at(-1)).toMatchObject({ episode: 'quiet.flac', index: 1, paused: false })
    expect(r.progress.at(-1)!.durationS).toBeCloseTo(1.5, 2)

    // What reached the microphone has the level the player computed for it.
    let first = 0
    while (first < heard.length && Math.abs(heard[first]) < 1e-3) first++
    const noisePart = heard.subarray(first, first + fs * 2)
    const m = new LevelMeter({ sampleRate: fs, weighting: 'Z' })
    m.push(noisePart)
    const sentLeq = 10 * Math.log10((10 ** (r.windows[0].leq! / 10) + 10 ** (r.windows[1].leq! / 10)) / 2)
    expect(Math.abs(m.finish().leq! - sentLeq)).toBeLessThan(0.5)
  })

  it('pauses, resumes and stops a loop; no window spans the pause', async () => {
    const player = new Player({ episodes: [loud], device: SINK, windowS: 1, loop: true })
    const r = record(player)
    await player.start()
    await once(player, 'start')
    await new Promise((res) => setTimeout(res, 1500))
    player.pause()
    await new Promise((res) => setTimeout(res, 1000))
    expect(player.state?.paused).toBe(true)
    player.resume()
    await new Promise((res) => setTimeout(res, 2000))
    await player.stop()
    const stop: StopInfo = await player.done

    expect(stop).toMatchObject({ reason: 'stopped' })
    expect(r.events.filter((e) => e !== 'episode')).toEqual(['start', 'pause', 'resume', 'stop'])
    // The 2 s episode looped: it began at least twice in 3.5 s of playing.
    expect(r.events.filter((e) => e === 'episode').length).toBeGreaterThanOrEqual(2)
    const pauseT = r.times.pause[0]
    const resumeT = r.times.resume[0]
    // Paused for 1 s; sound stopped only once the ~0.4 s already handed to the output had played.
    expect(resumeT - pauseT).toBeGreaterThan(400)
    expect(resumeT - pauseT).toBeLessThan(1100)
    const before = r.windows.filter((w) => w.endT <= pauseT + 50)
    const after = r.windows.filter((w) => w.startT >= resumeT - 50)
    expect(before.length + after.length).toBe(r.windows.length)
    expect(Math.abs(before.at(-1)!.endT - pauseT)).toBeLessThan(50)
    expect(Math.abs(after[0].startT - resumeT)).toBeLessThan(50)
    for (const w of r.windows) expect(w.leq).toBeCloseTo(-9.03, 1)
  })

  it('a stop while the output wakes up leaves no decoder running', async () => {
    // A long episode: its decoder fills the pipe and waits, as a real episode's does.
    const episode = join(__dirname, '../../resources/demo/demo-episode.opus')
    const player = new Player({ episodes: [episode], device: SINK, loop: true })
    await player.start()
    await player.stop()
    const decoders = () =>
      execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).includes(
        'ffmpeg',
      )
    // ffmpeg ends a moment after it is told to; one left running would block on its full pipe for good.
    for (let i = 0; i < 100 && decoders(); i++) await new Promise((r) => setTimeout(r, 50))
    expect(decoders()).toBe(false)
  })

  it('stops even when its output has stalled and reads nothing', { timeout: 30_000 }, async () => {
    // A real process that never reads its stdin: the pipe fills, and the player waits for a drain that never
    // comes. The stop must not wait with it (the drain's bound then ends the output).
    const open = async () => {
      const proc = spawn('sleep', ['60'], { stdio: ['pipe', 'ignore', 'ignore'] })
      await once(proc, 'spawn')
      return { proc, reportsClock: false, messages: () => '', onClock: () => undefined }
    }
    const episode = join(__dirname, '../../resources/demo/demo-episode.opus')
    const player = new Player({ episodes: [episode], device: 'stalled', loop: true, open })
    await player.start()
    await new Promise((r) => setTimeout(r, 1500))
    await player.stop()
    expect((await player.done).reason).toBe('stopped')
  })

  it('rejects a bad episode before anything plays', async () => {
    const player = new Player({ episodes: [loud, path('missing.mp3')], device: SINK })
    await expect(player.start()).rejects.toThrow(UserError)
    expect(() => player.done).toThrow(/start/)
  })

  it('ends with an error event when the device does not exist', async () => {
    const player = new Player({ episodes: [loud], device: 'no_such_sink' })
    const errors: Error[] = []
    player.on('error', (e) => errors.push(e))
    await player.start()
    const stop = await player.done
    expect(stop.reason).toBe('error')
    expect(errors[0].message).toMatch(/audio output stopped/)
  })
})

describe('output commands', () => {
  it('targets a named device on every OS', () => {
    expect(outputCommand('linux', 'mutescope_sink', 48000).args).toContain('--device=mutescope_sink')
    const win = outputCommand('win32', 'CABLE Input (VB-Audio Virtual Cable)', 48000)
    expect(win.cmd).toBe('sox')
    expect(win.args.slice(-3)).toEqual(['-t', 'waveaudio', 'CABLE Input (VB-Audio Virtual C'])
    expect(outputCommand('darwin', 'BlackHole 2ch', 44100).args.slice(-3)).toEqual([
      '-t',
      'coreaudio',
      'BlackHole 2ch',
    ])
    expect(() => outputCommand('aix', 'x', 48000)).toThrow(UserError)
  })
})
