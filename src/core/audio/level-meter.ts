import { WeightingFilter, type Weighting } from './weighting'

/**
 * Streaming sound-level statistics of IEC 61672-1, in dB re digital full scale (a full-scale sine is -3.01 dB)
 * plus an optional calibration offset. Memory is constant: a block's worth of scratch and a few sums.
 *
 * Per window (default 60 s, any length) and for the whole stream:
 * - leq: equivalent continuous level, 10 lg(mean of the weighted signal squared): an energy mean, not a mean of dB.
 * - lmax / lmin: extremes of the time-weighted level (Fast, 125 ms, unless Slow is asked for), checked at every
 *   sample. The detector starts from silence, so lmin ignores the first 5 time constants of the stream, while it
 *   settles; detector state carries across windows and cuts.
 * - peak: 20 lg(max |weighted sample|) (the IEC peak level, LCpeak with C; sample peak, not inter-sample).
 * - powerDb: the paper's own measure, -10 lg(mean square of the UNweighted samples). Note the sign: it is the
 *   negated Z level, so quieter audio gives a larger number; it ignores the calibration offset.
 * A one-second series (leq of each second, and the largest and mean magnitude of its unweighted samples, from
 * which the paper's own per-window measures are worked out) is produced for plotting and analysis.
 * Levels of digital silence are null (minus infinity has no JSON form).
 */
export type TimeWeighting = 'F' | 'S'

export interface LevelMeterOptions {
  sampleRate: number
  weighting?: Weighting
  timeWeighting?: TimeWeighting
  windowS?: number
  calibrationDb?: number
  onWindow?: (w: MeterWindow) => void
  onSecond?: (s: MeterSecond) => void
}

export interface LevelStats {
  leq: number | null
  lmax: number | null
  lmin: number | null
  peak: number | null
  powerDb: number | null
}

/** One window; `start` and `length` in samples since the meter started. */
export interface MeterWindow extends LevelStats {
  start: number
  length: number
}

export interface MeterSecond {
  start: number
  length: number
  level: number | null
  /** Largest |sample| of the unweighted signal, as a fraction of full scale. */
  absMax: number
  /** Mean |sample| of the unweighted signal, as a fraction of full scale. */
  absMean: number
}

const TAU_S: Record<TimeWeighting, number> = { F: 0.125, S: 1 }

class Accumulator {
  start = 0
  length = 0
  weightedSq = 0
  rawSq = 0
  rawAbs = 0
  rawPeak = 0
  max = 0
  min = Infinity
  peak = 0

  reset(start: number): void {
    this.start = start
    this.length = 0
    this.weightedSq = 0
    this.rawSq = 0
    this.rawAbs = 0
    this.rawPeak = 0
    this.max = 0
    this.min = Infinity
    this.peak = 0
  }
}

export class LevelMeter {
  readonly sampleRate: number
  readonly weighting: Weighting
  readonly timeWeighting: TimeWeighting
  readonly windowSamples: number
  private readonly calibrationDb: number
  private readonly filter: WeightingFilter
  private readonly k: number
  private readonly warmup: number
  private readonly onWindow?: (w: MeterWindow) => void
  private readonly onSecond?: (s: MeterSecond) => void
  private scratch = new Float64Array(0)
  private detector = 0
  private position = 0
  private readonly window = new Accumulator()
  private readonly second = new Accumulator()
  private readonly total = new Accumulator()

  constructor(opts: LevelMeterOptions) {
    this.sampleRate = opts.sampleRate
    this.weighting = opts.weighting ?? 'A'
    this.timeWeighting = opts.timeWeighting ?? 'F'
    const windowS = opts.windowS ?? 60
    this.windowSamples = Math.max(1, Math.round(windowS * opts.sampleRate))
    this.calibrationDb = opts.calibrationDb ?? 0
    this.filter = new WeightingFilter(this.weighting, opts.sampleRate)
    const tau = TAU_S[this.timeWeighting]
    this.k = 1 - Math.exp(-1 / (opts.sampleRate * tau))
    this.warmup = Math.round(5 * tau * opts.sampleRate)
    this.onWindow = opts.onWindow
    this.onSecond = opts.onSecond
  }

  /** Samples consumed so far. */
  get samples(): number {
    return this.position
  }

  push(block: Float32Array): void {
    const n = block.length
    if (this.scratch.length < n) this.scratch = new Float64Array(n)
    const w = this.scratch
    this.filter.process(block, w)
    let i = 0
    while (i < n) {
      const toWindow = this.windowSamples - this.window.length
      const toSecond = this.sampleRate - this.second.length
      const toWarm = this.position < this.warmup ? this.warmup - this.position : Infinity
      const end = i + Math.min(n - i, toWindow, toSecond, toWarm)
      this.accumulate(block, w, i, end)
      this.position += end - i
      i = end
      if (this.second.length === this.sampleRate) this.closeSecond()
      if (this.window.length === this.windowSamples) this.closeWindow()
    }
  }

  /** Ends the current window and second early (e.g. at a pause), so the next sample starts fresh ones. */
  cut(): void {
    if (this.second.length > 0) this.closeSecond()
    if (this.window.length > 0) this.closeWindow()
  }

  /** Flushes the partial window and second; returns the statistics of everything pushed. */
  finish(): LevelStats & { samples: number } {
    this.cut()
    return { ...this.stats(this.total), samples: this.position }
  }

  private accumulate(x: Float32Array, w: Float64Array, from: number, to: number): void {
    const k = this.k
    const trackMin = this.position >= this.warmup
    let det = this.detector
    let wsq = 0
    let rsq = 0
    let rabs = 0
    let rpeak = 0
    let max = 0
    let min = Infinity
    let peak = 0
    for (let i = from; i < to; i++) {
      const v = w[i]
      const s = v * v
      wsq += s
      det += k * (s - det)
      if (det > max) max = det
      if (det < min) min = det
      const a = v < 0 ? -v : v
      if (a > peak) peak = a
      const r = x[i]
      rsq += r * r
      const ra = r < 0 ? -r : r
      rabs += ra
      if (ra > rpeak) rpeak = ra
    }
    this.detector = det
    const len = to - from
    for (const acc of [this.window, this.second, this.total]) {
      acc.length += len
      acc.weightedSq += wsq
      acc.rawSq += rsq
      acc.rawAbs += rabs
      if (rpeak > acc.rawPeak) acc.rawPeak = rpeak
      if (max > acc.max) acc.max = max
      if (trackMin && min < acc.min) acc.min = min
      if (peak > acc.peak) acc.peak = peak
    }
  }

  private db(meanSquare: number, offset = this.calibrationDb): number | null {
    return meanSquare > 0 ? 10 * Math.log10(meanSquare) + offset : null
  }

  private stats(acc: Accumulator): LevelStats {
    const n = acc.length
    const raw = n > 0 ? acc.rawSq / n : 0
    return {
      leq: n > 0 ? this.db(acc.weightedSq / n) : null,
      lmax: this.db(acc.max),
      lmin: acc.min === Infinity ? null : this.db(acc.min),
      peak: this.db(acc.peak * acc.peak),
      powerDb: raw > 0 ? -10 * Math.log10(raw) : null,
    }
  }

  private closeWindow(): void {
    this.onWindow?.({ start: this.window.start, length: this.window.length, ...this.stats(this.window) })
    this.window.reset(this.position)
  }

  private closeSecond(): void {
    const s = this.second
    this.onSecond?.({
      start: s.start,
      length: s.length,
      level: s.length > 0 ? this.db(s.weightedSq / s.length) : null,
      absMax: s.rawPeak,
      absMean: s.length > 0 ? s.rawAbs / s.length : 0,
    })
    s.reset(this.position)
  }
}
