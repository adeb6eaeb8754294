import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/helpers'
import { micAccess, startMicLab, trackPlayed } from './mic-lab'
import { startPipewire } from './pipewire-lab'

/**
 * PipeWire for real: pw-record (PipeWire's own recorder, a pw_stream client) reading the lab's microphone
 * through a PipeWire daemon of the test's own, whose source tunnels it from PulseAudio. Spawned by the
 * monitor, so that the stream's format is seen when it connects.
 */

let lab: Awaited<ReturnType<typeof startMicLab>> | undefined
let pipewire: Awaited<ReturnType<typeof startPipewire>> | undefined

beforeAll(async () => {
  lab = await startMicLab()
  pipewire = await startPipewire(lab.mic.source)
  // The apps mic-access spawns reach this daemon.
  Object.assign(process.env, pipewire.env)
})

afterAll(async () => {
  await pipewire?.stop()
  await lab?.stop()
})

describe('pw_stream_dequeue_buffer', () => {
  for (const [format, channels, frameBytes] of [
    ['s16', 1, 2],
    ['f32', 2, 8],
  ] as const)
    it(`pw-record, ${channels} channel(s) ${format}: >= 10 s of reads whose RMS tracks the played level (r >= 0.95)`, async () => {
      const file = join(tempDir(), 'recorded.wav')
      const recorder = `pw-record --rate 16000 --channels ${channels} --format ${format} ${file}`
      const run = micAccess(['--spawn', recorder, '--duration', '15'], tempDir())
      const pid = await pipewire!.connect(file)
      // pw-record records until stopped, and holds mic-access's stderr meanwhile.
      await run.summary()
      process.kill(pid)
      const r = await run.done
      expect(r.code, r.stderr).toBe(0)
      const reads = r.seconds.filter((s) => s.api === 'pw_stream_dequeue_buffer')
      expect(reads.length, r.stderr).toBeGreaterThanOrEqual(11)
      expect(new Set(reads.map((s) => s.pid))).toEqual(new Set([pid]))
      // From the second second it read on: the first, a few buffers, starts with the silence the tunnel gives
      // until PulseAudio's audio arrives, not what was played.
      const { n, r: corr } = trackPlayed(reads.filter((s) => s.reads > 0).slice(1), lab!.player.played)
      expect(n).toBeGreaterThanOrEqual(10)
      expect(corr).toBeGreaterThanOrEqual(0.95)
      // The format the app connected with: bytes per frame, and about a second of 16 kHz frames a second.
      for (const s of reads) expect(s.bytes).toBe(frameBytes * s.frames)
      const whole = reads.filter((s) => s.reads > 0).slice(1, -1)
      expect(whole.reduce((a, s) => a + s.frames, 0) / whole.length).toBeGreaterThan(14_000)
      expect(r.last!.apis).toEqual(['pw_stream_dequeue_buffer'])
    }, 120_000)
})
