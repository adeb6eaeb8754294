import { describe, expect, it } from 'vitest'
import {
  analogWeightingDb,
  cascadeResponseDb,
  designWeighting,
  WeightingFilter,
} from '../../src/core/audio/weighting'
import { exactFrequency, WEIGHTING_TABLE } from './iec61672'

const RATES = [44100, 48000]

describe('IEC 61672-1 weighting table', () => {
  it('matches the analog formulas (guards the transcription)', () => {
    for (const [nominal, a, c] of WEIGHTING_TABLE) {
      const f = exactFrequency(nominal)
      expect(analogWeightingDb('A', f)).toBeCloseTo(a, 1)
      expect(analogWeightingDb('C', f)).toBeCloseTo(c, 1)
    }
  })
})

for (const fs of RATES) {
  describe(`digital weightings at ${fs} Hz`, () => {
    const expected: Record<'A' | 'C' | 'Z', (row: (typeof WEIGHTING_TABLE)[number]) => number> = {
      A: (row) => row[1],
      C: (row) => row[2],
      Z: () => 0,
    }
    for (const w of ['A', 'C', 'Z'] as const) {
      it(`${w}: inside the Class 1 limits at every nominal frequency from 10 Hz to 20 kHz`, () => {
        const design = designWeighting(w, fs)
        for (const row of WEIGHTING_TABLE) {
          const [nominal, , , [lo, hi]] = row
          const deviation = cascadeResponseDb(design, exactFrequency(nominal), fs) - expected[w](row)
          expect(deviation, `${w} at ${nominal} Hz`).toBeGreaterThanOrEqual(lo)
          expect(deviation, `${w} at ${nominal} Hz`).toBeLessThanOrEqual(hi)
        }
      })
    }

    for (const w of ['A', 'C'] as const) {
      it(`${w}: within 0.1 dB of the analog curve to 10 kHz and 0.5 dB to 16 kHz (1/24-octave grid)`, () => {
        const design = designWeighting(w, fs)
        for (let n = -80; n <= 48; n++) {
          const f = 1000 * Math.pow(2, n / 24)
          const err = Math.abs(cascadeResponseDb(design, f, fs) - analogWeightingDb(w, f))
          expect(err, `${w} at ${f.toFixed(1)} Hz`).toBeLessThan(f <= 10_000 ? 0.1 : 0.5)
        }
      })
    }

    it('the running filter has the designed gain (a 10 kHz sine through A)', () => {
      const filter = new WeightingFilter('A', fs)
      const n = fs
      const x = new Float32Array(n)
      for (let i = 0; i < n; i++) x[i] = Math.sin((2 * Math.PI * 10_000 * i) / fs)
      const y = new Float64Array(n)
      filter.process(x, y)
      let s = 0
      for (let i = fs / 2; i < n; i++) s += y[i] * y[i]
      const gainDb = 10 * Math.log10(s / (n - fs / 2) / 0.5)
      expect(gainDb).toBeCloseTo(cascadeResponseDb(designWeighting('A', fs), 10_000, fs), 2)
      expect(Math.abs(gainDb - analogWeightingDb('A', 10_000))).toBeLessThan(0.1)
    })
  })
}

it('a plain bilinear transform would miss by over 1 dB at 10 kHz (why the low-pass is fitted)', () => {
  // Bilinear of the f4 double pole puts a double zero at Nyquist: |H| = |(1+z^-1)^2 / ...|.
  const fs = 48000
  const k = 2 * fs
  const p = 2 * Math.PI * 12194.217
  const r = (k - p) / (k + p)
  const g = (p / (k + p)) ** 2
  const bilinear = { b0: g, b1: 2 * g, b2: g, a1: -2 * r, a2: r * r }
  const lpDb = (f: number) => cascadeResponseDb([bilinear], f, fs)
  const analogLp = (f: number) => -10 * Math.log10((1 + (f / 12194.217) ** 2) ** 2)
  expect(analogLp(10_000) - lpDb(10_000)).toBeGreaterThan(1)
})
