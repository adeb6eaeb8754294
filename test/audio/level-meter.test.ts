import { describe, expect, it } from 'vitest'
import { fileLevels } from '../../src/core/audio/file-levels'
import { LevelMeter, type MeterSecond, type MeterWindow } from '../../src/core/audio/level-meter'
import type { Weighting } from '../../src/core/audio/weighting'
import { FAST_TONEBURSTS, SLOW_TONEBURSTS } from './iec61672'
import { concat, synth, tempDir } from './helpers'

const path = tempDir()

function sine(fs: number, f: number, seconds: number, amplitude: number): Float32Array {
  const n = Math.round(fs * seconds)
  const x = new Float32Array(n)
  for (let i = 0; i < n; i++) x[i] = amplitude * Math.sin((2 * Math.PI * f * i) / fs)
  return x
}

function measure(
  x: Float32Array,
  opts: Partial<ConstructorParameters<typeof LevelMeter>[0]> & { sampleRate: number },
) {
  const windows: MeterWindow[] = []
  const seconds: MeterSecond[] = []
  const meter = new LevelMeter({
    ...opts,
    onWindow: (w) => windows.push(w),
    onSecond: (s) => seconds.push(s),
  })
  for (let i = 0; i < x.length; i += 4096) meter.push(x.subarray(i, i + 4096))
  return { total: meter.finish(), windows, seconds }
}

describe('steady tones', () => {
  for (const fs of [44100, 48000]) {
    for (const w of ['A', 'C', 'Z'] as Weighting[]) {
      it(`a full-scale 1 kHz sine gives Leq -3.01 dB (${w}, ${fs} Hz)`, () => {
        const { total } = measure(sine(fs, 1000, 5, 1), { sampleRate: fs, weighting: w })
        expect(total.leq).toBeCloseTo(-3.01, 2)
        expect(total.powerDb).toBeCloseTo(3.01, 2)
        expect(total.lmax!).toBeCloseTo(-3.01, 1)
      })
    }
  }

  it('a -20 dBFS 100 Hz sine gives LAeq -42.2 dB within 0.1 (read from a real WAV file)', async () => {
    const file = path('100hz.wav')
    synth(file, '-r 48000 -c 1 -e floating-point -b 32', 10, 'sine 100 vol 0.1')
    const levels = await fileLevels(file, { weighting: 'A' })
    expect(Math.abs(levels.overall.leq! - -42.2)).toBeLessThanOrEqual(0.1)
    const z = await fileLevels(file, { weighting: 'Z' })
    expect(z.overall.leq).toBeCloseTo(-23.01, 2)
  })

  it('peak is the weighted sample peak; calibration shifts levels but not powerDb', () => {
    const x = sine(48000, 1000, 2, 0.5)
    const { total } = measure(x, { sampleRate: 48000, weighting: 'Z', calibrationDb: 94 })
    expect(total.peak).toBeCloseTo(20 * Math.log10(0.5) + 94, 3)
    expect(total.leq).toBeCloseTo(-9.03 + 94, 2)
    expect(total.powerDb).toBeCloseTo(9.03, 2)
  })

  it('digital silence gives nulls, never -Infinity or a silent zero', () => {
    const { total, windows } = measure(new Float32Array(48000 * 3), { sampleRate: 48000, windowS: 1 })
    expect(total).toMatchObject({ leq: null, lmax: null, lmin: null, peak: null, powerDb: null })
    expect(windows).toHaveLength(3)
    expect(windows[2].leq).toBeNull()
  })
})

describe('windows', () => {
  it('cuts any window length, the last one partial, and a one-second series', () => {
    const fs = 8000
    const { windows, seconds } = measure(sine(fs, 1000, 25, 0.5), {
      sampleRate: fs,
      windowS: 10,
      weighting: 'Z',
    })
    expect(windows.map((w) => [w.start / fs, w.length / fs])).toEqual([
      [0, 10],
      [10, 10],
      [20, 5],
    ])
    expect(seconds).toHaveLength(25)
    expect(seconds[24].start).toBe(24 * fs)
    for (const s of seconds) expect(s.level!).toBeCloseTo(-9.03, 2)
  })

  it('Leq is an energy mean, not a mean of dB; Lmax and Lmin follow the Fast level', () => {
    const fs = 16000
    // 10 s at amplitude 1, then 10 s at 0.01 (40 dB lower), one 20 s window.
    const x = concat(sine(fs, 1000, 10, 1), sine(fs, 1000, 10, 0.01))
    const { windows } = measure(x, { sampleRate: fs, windowS: 20, weighting: 'Z' })
    expect(windows).toHaveLength(1)
    const [w] = windows
    expect(w.leq).toBeCloseTo(10 * Math.log10((0.5 + 0.00005) / 2), 3) // -6.02, not the dB mean -23
    expect(w.lmax!).toBeCloseTo(-3.01, 1)
    expect(w.lmin!).toBeCloseTo(-43.01, 1)
    expect(w.powerDb).toBeCloseTo(-w.leq!, 3)
  })

  it('gives identical results whatever the block size', () => {
    const fs = 48000
    const x = concat(sine(fs, 300, 3.3, 0.3), sine(fs, 5000, 2.1, 0.8))
    const a = measure(x, { sampleRate: fs, windowS: 1.7 })
    const windows: MeterWindow[] = []
    const meter = new LevelMeter({ sampleRate: fs, windowS: 1.7, onWindow: (w) => windows.push(w) })
    for (let i = 0, step = 1; i < x.length; i += step, step = (step * 7) % 9973)
      meter.push(x.subarray(i, i + step))
    meter.finish()
    // Same windows, same extremes; sums differ only by floating-point summation order.
    const exact = (ws: MeterWindow[]) => ws.map((w) => [w.start, w.length, w.lmax, w.lmin, w.peak])
    expect(exact(windows)).toEqual(exact(a.windows))
    windows.forEach((w, i) => {
      expect(w.leq).toBeCloseTo(a.windows[i].leq!, 9)
      expect(w.powerDb).toBeCloseTo(a.windows[i].powerDb!, 9)
    })
  })

  it('cut() closes the window early so the next one starts at the next sample', () => {
    const fs = 8000
    const windows: MeterWindow[] = []
    const meter = new LevelMeter({ sampleRate: fs, windowS: 10, onWindow: (w) => windows.push(w) })
    meter.push(sine(fs, 1000, 3, 0.5))
    meter.cut()
    meter.push(sine(fs, 1000, 12, 0.5))
    meter.finish()
    expect(windows.map((w) => [w.start / fs, w.length / fs])).toEqual([
      [0, 3],
      [3, 10],
      [13, 2],
    ])
  })
})

/** Level of the steady tone and Lmax of a burst of `ms` cut from it, both through the meter. */
function toneburst(fs: number, ms: number, timeWeighting: 'F' | 'S'): number {
  const steady = measure(sine(fs, 4000, 5, 0.5), { sampleRate: fs, timeWeighting }).total.leq!
  // The burst starts and ends at zero crossings: an integer number of 4 kHz cycles.
  const cycles = Math.round((ms / 1000) * 4000)
  const burst = sine(fs, 4000, cycles / 4000, 0.5)
  const x = concat(new Float32Array(fs), burst, new Float32Array(fs * 3))
  return measure(x, { sampleRate: fs, timeWeighting }).total.lmax! - steady
}

for (const fs of [44100, 48000]) {
  describe(`4 kHz toneburst response at ${fs} Hz`, () => {
    it('Fast Lmax matches the IEC 61672-1 table within tolerance', () => {
      for (const [ms, ref, [lo, hi]] of FAST_TONEBURSTS) {
        const d = toneburst(fs, ms, 'F') - ref
        expect(d, `${ms} ms burst`).toBeGreaterThanOrEqual(lo)
        expect(d, `${ms} ms burst`).toBeLessThanOrEqual(hi)
        // The ideal detector follows 10 lg(1 - e^(-Tb/tau)) closely; hold it to 0.2 dB.
        expect(Math.abs(d), `${ms} ms burst vs the ideal`).toBeLessThan(0.2)
      }
    })

    it('Slow Lmax matches the table too', () => {
      for (const [ms, ref, [lo, hi]] of SLOW_TONEBURSTS) {
        const d = toneburst(fs, ms, 'S') - ref
        expect(d, `${ms} ms burst`).toBeGreaterThanOrEqual(lo)
        expect(d, `${ms} ms burst`).toBeLessThanOrEqual(hi)
      }
    })
  })
}
