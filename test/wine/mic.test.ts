import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pulseRunMic } from '../../src/core/mic/pulse'
import { tempDir } from '../support/helpers'
import { micAccess, play, startPulse, steppedNoise, trackPlayed } from '../mic/mic-lab'
import {
  buildProgram,
  startWine,
  winePrefix,
  windowsPath,
  type WinePrefix,
  type WineProgram,
} from './wine-lab'

/**
 * The mic-access monitor on Windows programs reading MuteScope's microphone for real: WASAPI and waveIn
 * programs built with mingw-w64, run under Wine, whose audio driver (winepulse) reads the PulseAudio source
 * it is given, while stepped pink noise plays into it.
 */

let prefix: WinePrefix
let mic: Awaited<ReturnType<typeof pulseRunMic>>
let player: ReturnType<typeof play>
const programs: WineProgram[] = []

beforeAll(async () => {
  startPulse()
  prefix = winePrefix()
  mic = await pulseRunMic(0)
  // 4 s steps some 8 to 30 dB apart, looped: whatever 20 s the monitor watches, the level swings.
  const file = steppedNoise(join(tempDir(), 'steps.wav'), [0.02, 0.5, 0.06, 0.9, 0.01, 0.25, 0.04, 0.6], 4)
  player = play(file, mic.sink, tempDir())
  await player.started
}, 900_000)

afterAll(async () => {
  for (const p of programs) await p.stop()
  prefix?.close()
  await player?.stop()
  await mic?.remove()
})

/**
 * Starts `program` (which opens its stream once told to go), watches it with `mic-access --pid` for 20 s,
 * and tells it to go once the monitor is attached: the stream is one the app creates while watched.
 */
async function watch(exe: string) {
  const go = join(tempDir(), 'go')
  const program = await startWine(exe, [windowsPath(go)], prefix, { PULSE_SOURCE: mic.source })
  programs.push(program)
  const run = micAccess(['--pid', String(program.pid), '--duration', '20'], tempDir())
  run.child.stderr.on('data', (d: Buffer) => {
    if (d.toString().includes('watching the microphone reads')) writeFileSync(go, '')
  })
  const r = await run.done
  // What the monitor said, then what the program said (e.g. why it could not open the microphone).
  const said = `${r.stderr}\nthe program's own stderr (exit ${program.child.exitCode ?? program.child.signalCode}):\n${program.stderr()}`
  expect(r.code, said).toBe(0)
  return { ...r, said, pid: program.pid }
}

describe('Windows audio-capture APIs under Wine', () => {
  it('a WASAPI capture loop: >= 15 s through IAudioCaptureClient::GetBuffer, whose RMS tracks what was played (r >= 0.95)', async () => {
    const r = await watch(buildProgram('wasapi-capture', ['ole32']))
    expect(r.stderr).toMatch(/audio-capture APIs: wasapi in mmdevapi\.dll/)
    const mine = r.seconds.filter((s) => s.pid === r.pid && s.api === 'IAudioCaptureClient::GetBuffer')
    expect(mine.filter((s) => s.reads > 0).length, r.said).toBeGreaterThanOrEqual(15)
    const { n, r: corr } = trackPlayed(mine, player.played)
    expect(n).toBeGreaterThanOrEqual(15)
    expect(corr).toBeGreaterThanOrEqual(0.95)
    // The mix format of MuteScope's microphone, as the program initialized its stream: 48 kHz mono float.
    const whole = mine.filter((s) => s.reads > 0).slice(1, -1)
    for (const s of whole) expect(s.bytes).toBe(4 * s.frames)
    expect(whole.reduce((a, s) => a + s.frames, 0) / whole.length).toBeGreaterThan(45_000)
    expect(r.last!.apis).toContain('IAudioCaptureClient::GetBuffer')
  }, 300_000)

  it('a waveIn loop: its buffers counted as they come back full (WIM_DATA), their RMS tracking what was played', async () => {
    const r = await watch(buildProgram('wavein-capture', ['winmm']))
    expect(r.stderr).toMatch(/audio-capture APIs: winmm in winmm\.dll \(waveInOpen, DriverCallback\)/)
    const mine = r.seconds.filter((s) => s.pid === r.pid && s.api === 'waveInAddBuffer')
    expect(mine.filter((s) => s.reads > 0).length, r.said).toBeGreaterThanOrEqual(15)
    const { n, r: corr } = trackPlayed(mine, player.played)
    expect(n).toBeGreaterThanOrEqual(15)
    expect(corr).toBeGreaterThanOrEqual(0.95)
    // 16 kHz mono 16-bit, in 100 ms buffers: ten a second, two bytes a frame.
    const whole = mine.filter((s) => s.reads > 0).slice(1, -1)
    for (const s of whole) expect(s.bytes).toBe(2 * s.frames)
    expect(whole.reduce((a, s) => a + s.reads, 0) / whole.length).toBeGreaterThan(8)
    // Wine's winmm reads through WASAPI itself: that layer shows too.
    expect(r.last!.apis).toEqual(
      expect.arrayContaining(['IAudioCaptureClient::GetBuffer', 'waveInAddBuffer']),
    )
  }, 300_000)
})
