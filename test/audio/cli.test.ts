import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileLevelsResult, micStatus } from '../../src/shared/contract/audio'
import { cliPath, runCli } from '../support/helpers'
import { synth, tempDir } from './helpers'

const path = tempDir()
const cli = (...args: string[]) => runCli(args, { dataDir: path('data') })

describe('mutescope levels', () => {
  it('prints the documented JSON for a file, per window', () => {
    const file = path('tone.wav')
    synth(file, '-r 48000 -c 1 -b 24', 150, 'sine 100 vol 0.1')
    const r = cli('levels', file, '--json')
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(fileLevelsResult.strict().parse(out)).toBeTruthy()
    expect(Object.keys(out)).toEqual(['file', 'sampleRate', 'durationS', 'weighting', 'windows', 'overall'])
    expect(Object.keys(out.windows[0])).toEqual([
      'startS',
      'durationS',
      'leq',
      'lmax',
      'lmin',
      'peak',
      'powerDb',
    ])
    expect(out).toMatchObject({ file, sampleRate: 48000, durationS: 150, weighting: 'A' })
    expect(out.windows.map((w: { startS: number; durationS: number }) => [w.startS, w.durationS])).toEqual([
      [0, 60],
      [60, 60],
      [120, 30],
    ])
    expect(Math.abs(out.overall.leq - -42.2)).toBeLessThanOrEqual(0.1)
    expect(out.windows[0].powerDb).toBeCloseTo(23.01, 1)
  })

  it('takes --window, --weighting and --calibration', () => {
    const file = path('tone.wav')
    const out = JSON.parse(
      cli('levels', file, '--window', '7.5', '--weighting', 'Z', '--calibration', '94', '--json').stdout,
    )
    expect(out.weighting).toBe('Z')
    expect(out.windows).toHaveLength(20)
    expect(out.windows[0].durationS).toBe(7.5)
    expect(out.overall.leq).toBeCloseTo(-23.01 + 94, 1)
  })

  it('fails with a clear message and exit 1 on bad files and bad flags', () => {
    const noise = path('noise.mp3')
    // Text, not random bytes: ffprobe reads some random bytes as a container with no audio stream.
    writeFileSync(noise, Buffer.alloc(100_000, 'this is not audio\n'))
    const empty = path('empty.wav')
    writeFileSync(empty, '')
    const cut = path('cut.wav')
    writeFileSync(cut, readFileSync(path('tone.wav')).subarray(0, 50_000))
    const cases: [string[], RegExp][] = [
      [['levels', noise, '--json'], /noise\.mp3 is not a valid audio file/],
      [['levels', empty, '--json'], /is empty \(0 bytes\)/],
      [['levels', cut, '--json'], /is truncated: its header announces 150\.00 s/],
      [['levels', path('tone.wav'), '--weighting', 'B'], /--weighting must be A, C or Z/],
      [['levels', path('tone.wav'), '--window', '0'], /--window must be a positive number/],
      [['levels', path('tone.wav'), '--calibration', 'x'], /--calibration must be a number/],
    ]
    for (const [args, message] of cases) {
      const r = cli(...args)
      expect(r.status, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).not.toMatch(/internal error|at .*\.ts:/)
      expect(r.stdout).toBe('')
    }
  })
})

describe('mutescope mic and play (real PulseAudio)', () => {
  beforeAll(() => {
    execFileSync(join(__dirname, '../../scripts/pulseaudio.sh'), { stdio: 'inherit' })
    cli('mic', 'teardown')
  })
  afterAll(() => {
    cli('mic', 'teardown')
  })

  it('mic setup, status and teardown print the status JSON', () => {
    const setup = cli('mic', 'setup', '--json')
    expect(setup.status).toBe(0)
    expect(micStatus.parse(JSON.parse(setup.stdout))).toMatchObject({
      ready: true,
      outputDevice: 'mutescope_sink',
    })
    const status = JSON.parse(cli('mic', 'status', '--json').stdout)
    expect(status).toMatchObject({ ready: true, source: 'mutescope_mic' })
    const down = JSON.parse(cli('mic', 'teardown', '--json').stdout)
    expect(down).toMatchObject({ removed: 2, status: { ready: false } })
    expect(cli('mic', 'status').stdout).toMatch(/no virtual microphone .*mutescope mic setup/)
  })

  it('play sets up the microphone, plays in real time, prints windows and removes the microphone at exit', () => {
    const file = path('short.wav')
    synth(file, '-r 44100 -c 2 -b 16', 2, 'sine 1000 vol 0.5')
    const r = runCli(['play', file, '--window', '1', '--weighting', 'Z', '--json'], {
      dataDir: path('data'),
      timeoutMs: 20_000,
    })
    expect(r.status, r.stderr).toBe(0)
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(events.map((e) => e.event)).toEqual(['start', 'episode', 'window', 'window', 'stop'])
    const windows = events.filter((e) => e.event === 'window')
    expect(windows[0].leq).toBeCloseTo(-9.03, 1)
    expect(windows[1].endT - windows[0].startT).toBeGreaterThan(1900)
    expect(events.at(-1)).toMatchObject({ reason: 'ended' })
    expect(JSON.parse(cli('mic', 'status', '--json').stdout).ready).toBe(false)
  })

  it('play --loop stops in order on Ctrl-C (SIGINT to its whole process group)', async () => {
    const file = path('short.wav')
    const child = spawn(process.execPath, [cliPath, 'play', file, '--loop', '--window', '1', '--json'], {
      detached: true, // a process group of its own, as a terminal gives a command
      env: { ...process.env, MUTESCOPE_DATA_DIR: path('data') },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    while (!out.includes('"event":"window"')) await new Promise((r) => setTimeout(r, 100))
    process.kill(-child.pid!, 'SIGINT')
    const [code] = (await once(child, 'exit')) as [number]
    expect(code).toBe(0)
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const stop = events.at(-1)
    expect(stop).toMatchObject({ event: 'stop', reason: 'stopped' })
    // The output was drained, not cut: the last window ends when the sound did (a cut would leave up to the
    // player's 300 ms lead unplayed; the margin is for a loaded machine's scheduling).
    expect(Math.abs(events.at(-2).endT - stop.t)).toBeLessThan(150)
    expect(JSON.parse(cli('mic', 'status', '--json').stdout).ready).toBe(false)
  })

  it('play fails with exit 1 on a bad file, before playing', () => {
    const r = cli('play', path('missing.wav'), '--output-device', 'mutescope_sink')
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/missing\.wav does not exist/)
  })
})
