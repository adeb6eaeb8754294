import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/helpers'
import { micAccess, python, startMicLab, trackPlayed } from './mic-lab'

/**
 * PortAudio for real: a Python program reading the lab's microphone with Pa_ReadStream through libportaudio's
 * ALSA host API, whose default device is ALSA's pulse plugin here (so PulseAudio's and ALSA's reads underneath
 * show too). Spawned by the monitor, so that the stream's format is seen when the app opens it.
 */

let lab: Awaited<ReturnType<typeof startMicLab>> | undefined

beforeAll(async () => {
  lab = await startMicLab()
})

afterAll(() => lab?.stop())

const fixture = join(__dirname, 'fixtures', 'portaudio-read.py')

describe('Pa_ReadStream', () => {
  for (const [format, how, frameBytes] of [
    ['int16', 'Pa_OpenDefaultStream, mono paInt16', 2],
    ['float32', 'Pa_OpenStream, stereo paFloat32', 8],
  ] as const)
    it(`${how}: >= 10 s of reads whose RMS tracks the played level (r >= 0.95)`, async () => {
      const r = await micAccess(
        // It reads on a while after the run: mic-access ends when its stderr, which it holds, closes.
        ['--spawn', `${python} ${fixture} ${lab!.mic.source} ${format} 22`, '--duration', '15'],
        tempDir(),
      ).done
      expect(r.code, r.stderr).toBe(0)
      const reads = r.seconds.filter((s) => s.api === 'Pa_ReadStream')
      expect(reads.length, r.stderr).toBeGreaterThanOrEqual(11)
      const { n, r: corr } = trackPlayed(reads, lab!.player.played)
      expect(n).toBeGreaterThanOrEqual(10)
      expect(corr).toBeGreaterThanOrEqual(0.95)
      // The format from the open call: bytes per frame, and about a second of 16 kHz frames a whole second.
      for (const s of reads) expect(s.bytes).toBe(frameBytes * s.frames)
      const whole = reads.filter((s) => s.reads > 0).slice(1, -1)
      expect(whole.reduce((a, s) => a + s.frames, 0) / whole.length).toBeGreaterThan(14_000)
      expect(r.last!.apis).toContain('Pa_ReadStream')
    }, 120_000)
})
