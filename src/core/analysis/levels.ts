import type { LevelSecond, LevelWindow } from '../../shared/model'
import { firstIndex } from './first-index'

type Weighting = LevelWindow['weighting']

interface Segment {
  start: number
  end: number
  /** null: digital silence (the level meter's minus infinity), measured but carrying no energy. */
  level: number | null
  /** 10^(level/10), worked out once: the best-lag search sums each second's energy hundreds of times. */
  energy: number
}

const SECOND_MS = 1000

/** Start-sorted, non-empty segments; time without a segment was not measured (nothing was played). */
function segments<T>(rows: readonly T[], toSegment: (row: T) => Omit<Segment, 'energy'>): Segment[] {
  const out: Segment[] = []
  for (const row of rows) {
    const s = toSegment(row)
    // A literal, not a spread copy: V8 gives spread copies a slow shape that made the scans 100x slower.
    if (s.end > s.start && (s.level === null || Number.isFinite(s.level)))
      out.push({
        start: s.start,
        end: s.end,
        level: s.level,
        energy: s.level === null ? 0 : 10 ** (s.level / 10),
      })
  }
  return out.sort((a, b) => a.start - b.start)
}

/** One second's sample magnitudes (fractions of full scale). */
interface MagnitudeSecond {
  start: number
  end: number
  absMax: number
  absMean: number
}

/** Index of the first segment that ends after t (segments are start-sorted and do not overlap). */
function firstEndingAfter(segs: readonly { end: number }[], t: number): number {
  return firstIndex(segs, (s) => s.end > t)
}

/**
 * The played audio's levels on the wall clock, answering "what was the level over [from, to)" for any span.
 * LAeq is the energy mean of the one-second Leq values weighted by how much of each second lies in the span
 * (the windows' Leq when a session has no one-second series); LAFmax is the largest Fast maximum of the
 * windows lying mostly inside the span, the finest Fast maxima the store keeps.
 */
export class LevelTimeline {
  readonly weighting: Weighting
  private readonly leqSegments: Segment[]
  private readonly maxSegments: Segment[]
  private readonly magnitudeSeconds: MagnitudeSecond[]

  constructor(seconds: readonly LevelSecond[], windows: readonly LevelWindow[]) {
    // One session plays at one weighting; if windows of several were stored, A is what the paper used.
    const weightings = new Set(windows.map((w) => w.weighting))
    this.weighting = weightings.has('A') || weightings.size === 0 ? 'A' : [...weightings][0]
    const ours = windows.filter((w) => w.weighting === this.weighting)
    this.leqSegments =
      seconds.length > 0
        ? segments(seconds, (s) => ({ start: s.t, end: s.t + SECOND_MS, level: s.level }))
        : segments(ours, (w) => ({ start: w.startT, end: w.endT, level: w.leq }))
    this.maxSegments = segments(ours, (w) => ({ start: w.startT, end: w.endT, level: w.lmax }))
    this.magnitudeSeconds = []
    for (const s of seconds)
      if (s.absMax != null && s.absMean != null)
        this.magnitudeSeconds.push({ start: s.t, end: s.t + SECOND_MS, absMax: s.absMax, absMean: s.absMean })
    this.magnitudeSeconds.sort((a, b) => a.start - b.start)
  }

  /** Whether the sample magnitudes were recorded (sessions from before they were kept have none). */
  get hasMagnitudes(): boolean {
    return this.magnitudeSeconds.length > 0
  }

  get isEmpty(): boolean {
    return this.leqSegments.length === 0
  }

  /** Wall-clock time of the first measured level, or null. */
  get firstT(): number | null {
    return this.leqSegments[0]?.start ?? null
  }

  /**
   * Energy-mean level over [from, to); null when less than minCoverage of the span was measured, or when all of
   * it was digital silence (minus infinity has no place in a correlation).
   */
  leq(from: number, to: number, minCoverage: number): number | null {
    let energy = 0
    let covered = 0
    for (let i = firstEndingAfter(this.leqSegments, from); i < this.leqSegments.length; i++) {
      const s = this.leqSegments[i]
      if (s.start >= to) break
      const overlap = Math.min(s.end, to) - Math.max(s.start, from)
      energy += overlap * s.energy
      covered += overlap
    }
    if (energy === 0 || covered < minCoverage * (to - from)) return null
    return 10 * Math.log10(energy / covered)
  }

  /**
   * The paper's own measures of [from, to), in dB re full scale of the unweighted samples: the largest sample
   * magnitude (20 lg max |x|) of the seconds with at least half of their length inside, and the mean magnitude
   * (20 lg mean |x|) weighted by how much of each second lies inside. null when less than minCoverage of the
   * span carries magnitudes, or the span was digital silence.
   */
  magnitudes(from: number, to: number, minCoverage: number): { max: number | null; mean: number | null } {
    let max = 0
    let sum = 0
    let covered = 0
    const secs = this.magnitudeSeconds
    for (let i = firstEndingAfter(secs, from); i < secs.length; i++) {
      const s = secs[i]
      if (s.start >= to) break
      const overlap = Math.min(s.end, to) - Math.max(s.start, from)
      sum += overlap * s.absMean
      covered += overlap
      if (2 * overlap >= s.end - s.start && s.absMax > max) max = s.absMax
    }
    if (covered === 0 || covered < minCoverage * (to - from)) return { max: null, mean: null }
    const db = (v: number) => (v > 0 ? 20 * Math.log10(v) : null)
    return { max: db(max), mean: db(sum / covered) }
  }

  /** Largest Fast maximum among the windows with at least half of their length inside [from, to). */
  lmax(from: number, to: number): number | null {
    let best: number | null = null
    for (let i = firstEndingAfter(this.maxSegments, from); i < this.maxSegments.length; i++) {
      const s = this.maxSegments[i]
      if (s.start >= to) break
      const overlap = Math.min(s.end, to) - Math.max(s.start, from)
      if (s.level !== null && 2 * overlap >= s.end - s.start && (best === null || s.level > best))
        best = s.level
    }
    return best
  }
}
