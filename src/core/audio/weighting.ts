import type { Weighting } from '../../shared/measures'
import { UserError } from '../errors'

/**
 * Frequency weightings A, C and Z of IEC 61672-1 as digital IIR filters.
 *
 * The analog weightings are products of first-order high-pass poles (f1, f2, f3) and a double low-pass pole at
 * f4 = 12.2 kHz. The high-pass parts are mapped with the bilinear transform: far below Nyquist its frequency
 * warping is negligible (< 0.03 dB). The f4 low-pass is where a plain bilinear transform fails (it forces a zero
 * at Nyquist, over 1 dB low at 10 kHz), so that section keeps the matched-z poles e^(-2*pi*f4/fs) and gets a
 * second-order numerator fitted (Levenberg-Marquardt, in dB) so the whole cascade follows the analog curve from
 * 1 kHz to 20 kHz (or 0.95 x Nyquist). At 44.1 and 48 kHz the result stays within 0.05 dB of the analog curve
 * up to 10 kHz and 0.12 dB up to 16 kHz, at the cost of three biquads (A) or two (C); Z is no filter.
 * Hand-written because no maintained npm package implements a sample-rate-generic, Class 1 A/C filter.
 */
export type { Weighting }

/** Pole frequencies of IEC 61672-1 (Annex E), in Hz. */
const F1 = 20.598997
const F2 = 107.65265
const F3 = 737.86223
const F4 = 12194.217

/** Analog weighting in dB without the 1 kHz normalisation. */
function analogRawDb(w: Weighting, f: number): number {
  if (w === 'Z') return 0
  const ff = f * f
  const c = (F4 * F4 * ff) / ((ff + F1 * F1) * (ff + F4 * F4))
  const db = 20 * Math.log10(c)
  if (w === 'C') return db
  return db + 20 * Math.log10(ff / Math.sqrt((ff + F2 * F2) * (ff + F3 * F3)))
}

/** The IEC 61672-1 analog weighting in dB, 0 dB at 1 kHz. */
export function analogWeightingDb(w: Weighting, f: number): number {
  return analogRawDb(w, f) - analogRawDb(w, 1000)
}

/** One second-order section, a0 = 1. */
export interface Biquad {
  b0: number
  b1: number
  b2: number
  a1: number
  a2: number
}

/** Bilinear transform of s/(s + 2*pi*fa) times s/(s + 2*pi*fb). */
function highPassPair(fa: number, fb: number, fs: number): Biquad {
  const k = 2 * fs
  const pa = 2 * Math.PI * fa
  const pb = 2 * Math.PI * fb
  // Each first-order factor is (k / (k + p)) * (1 - z^-1) / (1 - r z^-1) with r = (k - p) / (k + p).
  const ga = k / (k + pa)
  const gb = k / (k + pb)
  const ra = (k - pa) / (k + pa)
  const rb = (k - pb) / (k + pb)
  const g = ga * gb
  return { b0: g, b1: -2 * g, b2: g, a1: -(ra + rb), a2: ra * rb }
}

/** |H(e^jw)| of one section at frequency f. */
function sectionGain(s: Biquad, f: number, fs: number): number {
  const w = (2 * Math.PI * f) / fs
  const c1 = Math.cos(w)
  const s1 = Math.sin(w)
  const c2 = Math.cos(2 * w)
  const s2 = Math.sin(2 * w)
  const nr = s.b0 + s.b1 * c1 + s.b2 * c2
  const ni = -(s.b1 * s1 + s.b2 * s2)
  const dr = 1 + s.a1 * c1 + s.a2 * c2
  const di = -(s.a1 * s1 + s.a2 * s2)
  return Math.sqrt((nr * nr + ni * ni) / (dr * dr + di * di))
}

/** Magnitude response of a cascade in dB at frequency f. */
export function cascadeResponseDb(sections: readonly Biquad[], f: number, fs: number): number {
  let g = 1
  for (const s of sections) g *= sectionGain(s, f, fs)
  return 20 * Math.log10(g)
}

/** The f4 double low-pass: matched-z poles, numerator (1 + b1 z^-1 + b2 z^-2) scaled to unity gain at DC. */
function lowPass(beta: readonly [number, number], pole: number): Biquad {
  const a1 = -2 * pole
  const a2 = pole * pole
  const g = (1 + a1 + a2) / (1 + beta[0] + beta[1])
  return { b0: g, b1: g * beta[0], b2: g * beta[1], a1, a2 }
}

/** Fits the low-pass numerator so the cascade matches the analog curve above 1 kHz (least squares in dB). */
function fitLowPass(w: Weighting, fixed: Biquad[], fs: number): Biquad {
  const pole = Math.exp((-2 * Math.PI * F4) / fs)
  const top = Math.min(20_000, 0.95 * (fs / 2))
  const grid = Array.from({ length: 120 }, (_, i) => 1000 * Math.pow(top / 1000, i / 119))
  const base = grid.map((f) => analogRawDb(w, f) - cascadeResponseDb(fixed, f, fs))
  const residuals = (beta: [number, number]) => {
    const lp = lowPass(beta, pole)
    return grid.map((f, i) => 20 * Math.log10(sectionGain(lp, f, fs)) - base[i])
  }
  const cost = (r: number[]) => r.reduce((s, x) => s + x * x, 0)
  let beta: [number, number] = [0, 0]
  let r = residuals(beta)
  let lambda = 1e-3
  for (let iter = 0; iter < 100; iter++) {
    // Jacobian by central differences; two parameters keep the normal equations 2 x 2.
    const h = 1e-7
    const cols = [0, 1].map((j) => {
      const up: [number, number] = [...beta]
      const dn: [number, number] = [...beta]
      up[j] += h
      dn[j] -= h
      const ru = residuals(up)
      const rd = residuals(dn)
      return ru.map((x, i) => (x - rd[i]) / (2 * h))
    })
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0)
    const j00 = dot(cols[0], cols[0])
    const j01 = dot(cols[0], cols[1])
    const j11 = dot(cols[1], cols[1])
    const g0 = dot(cols[0], r)
    const g1 = dot(cols[1], r)
    const m00 = j00 * (1 + lambda)
    const m11 = j11 * (1 + lambda)
    const det = m00 * m11 - j01 * j01
    const step: [number, number] = [(-g0 * m11 + g1 * j01) / det, (-g1 * m00 + g0 * j01) / det]
    const next: [number, number] = [beta[0] + step[0], beta[1] + step[1]]
    const rn = residuals(next)
    if (cost(rn) < cost(r)) {
      const gain = cost(r) - cost(rn)
      beta = next
      r = rn
      lambda /= 3
      if (gain < 1e-14) break
    } else {
      lambda *= 4
      if (lambda > 1e8) break
    }
  }
  return lowPass(beta, pole)
}

const designs = new Map<string, Biquad[]>()

/** The cascade for a weighting at a sample rate, normalised to exactly 0 dB at 1 kHz. Cached per rate. */
export function designWeighting(w: Weighting, fs: number): Biquad[] {
  if (!(fs >= 8000)) throw new UserError(`level analysis needs a sample rate of at least 8000 Hz, got ${fs}`)
  const key = `${w}@${fs}`
  const cached = designs.get(key)
  if (cached) return cached
  let sections: Biquad[] = []
  if (w !== 'Z') {
    const fixed =
      w === 'A' ? [highPassPair(F1, F1, fs), highPassPair(F2, F3, fs)] : [highPassPair(F1, F1, fs)]
    sections = [...fixed, fitLowPass(w, fixed, fs)]
    const g = Math.pow(10, -cascadeResponseDb(sections, 1000, fs) / 20)
    const lp = sections[sections.length - 1]
    sections[sections.length - 1] = { ...lp, b0: lp.b0 * g, b1: lp.b1 * g, b2: lp.b2 * g }
  }
  designs.set(key, sections)
  return sections
}

/** A running weighting filter (transposed direct form II, double precision state). */
export class WeightingFilter {
  private readonly coef: Float64Array
  private readonly state: Float64Array
  readonly sections: number

  constructor(
    readonly weighting: Weighting,
    readonly sampleRate: number,
  ) {
    const design = designWeighting(weighting, sampleRate)
    this.sections = design.length
    this.coef = Float64Array.from(design.flatMap((s) => [s.b0, s.b1, s.b2, s.a1, s.a2]))
    this.state = new Float64Array(2 * design.length)
  }

  /** Filters `input` into `output` (same length or longer); Z copies. */
  process(input: Float32Array, output: Float64Array): void {
    const n = input.length
    for (let i = 0; i < n; i++) output[i] = input[i]
    const c = this.coef
    const st = this.state
    for (let k = 0; k < this.sections; k++) {
      const b0 = c[5 * k]
      const b1 = c[5 * k + 1]
      const b2 = c[5 * k + 2]
      const a1 = c[5 * k + 3]
      const a2 = c[5 * k + 4]
      let s1 = st[2 * k]
      let s2 = st[2 * k + 1]
      for (let i = 0; i < n; i++) {
        const x = output[i]
        const y = b0 * x + s1
        s1 = b1 * x - a1 * y + s2
        s2 = b2 * x - a2 * y
        output[i] = y
      }
      st[2 * k] = s1
      st[2 * k + 1] = s2
    }
  }
}
