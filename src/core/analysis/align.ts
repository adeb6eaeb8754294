import type { TelemetryRecord } from '../../shared/model'
import type { AlignedPair, AlignMethod, BestLag } from '../../shared/contract/analysis'
import { UserError } from '../errors'
import type { LevelTimeline } from './levels'
import { MIN_PAIRS, pearson } from './stats'

export interface Alignment {
  method: AlignMethod
  /** Added to telemetry timestamps to put them on the clock the levels were recorded with. */
  offsetS: number
  /** How long the app takes to report what it heard: a record is paired with the levels lagS earlier. */
  lagS: number
  intervalS: number
  /** Wall-clock start of playback: where the fixed method's first window begins. */
  playbackStartT: number
  /** Fraction of a span that must have measured levels for the pair to count. */
  minCoverage: number
}

/** The telemetry fields correlated, by the short names used in results and plots. */
export const GAIN_FIELDS = { min: 'audioMinGain', mean: 'audioMeanGain', max: 'audioMaxGain' } as const
export type GainName = keyof typeof GAIN_FIELDS
const GAINS = Object.values(GAIN_FIELDS)

function gain(r: TelemetryRecord, key: (typeof GAINS)[number]): number | null {
  const v = r.fields[key]
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** Records carrying at least one gain, in time order. */
export function gainRecords(telemetry: readonly TelemetryRecord[]): TelemetryRecord[] {
  return telemetry.filter((r) => GAINS.some((k) => gain(r, k) !== null)).sort((a, b) => a.t - b.t)
}

/**
 * The wall-clock span each record summarises. "aligned": the interval ending at the record's own timestamp
 * (shifted by offset and lag). "fixed", the authors' method: the k-th record after playback start takes the
 * k-th consecutive interval counted from playback start, whatever its timestamp says.
 */
function spans(
  records: readonly TelemetryRecord[],
  a: Alignment,
): { record: TelemetryRecord; start: number }[] {
  const interval = a.intervalS * 1000
  const shift = (a.offsetS - a.lagS) * 1000
  if (a.method === 'aligned') return records.map((record) => ({ record, start: record.t + shift - interval }))
  const offset = a.offsetS * 1000
  return records
    .filter((r) => r.t + offset > a.playbackStartT)
    .map((record, k) => ({ record, start: a.playbackStartT + k * interval - a.lagS * 1000 }))
}

/** Pairs each gain record with the level over its span; records whose span was not measured are left out. */
export function alignPairs(
  records: readonly TelemetryRecord[],
  levels: LevelTimeline,
  a: Alignment,
): AlignedPair[] {
  const interval = a.intervalS * 1000
  const pairs: AlignedPair[] = []
  for (const { record, start } of spans(records, a)) {
    const end = start + interval
    const laeq = levels.leq(start, end, a.minCoverage)
    if (laeq === null) continue
    const magnitude = levels.magnitudes(start, end, a.minCoverage)
    pairs.push({
      t: record.t,
      startT: start,
      endT: end,
      audioMinGain: gain(record, 'audioMinGain'),
      audioMeanGain: gain(record, 'audioMeanGain'),
      audioMaxGain: gain(record, 'audioMaxGain'),
      laeq,
      lafmax: levels.lmax(start, end),
      maxMagnitude: magnitude.max,
      meanMagnitude: magnitude.mean,
    })
  }
  return pairs
}

/** r of mean gain against LAeq, or null when it is undefined or rests on fewer than three pairs. */
function meanGainR(pairs: readonly AlignedPair[]): { r: number; n: number } | null {
  const usable = pairs.filter((p) => p.audioMeanGain !== null)
  if (usable.length < MIN_PAIRS) return null
  const { r, n } = pearson(
    usable.map((p) => p.laeq),
    usable.map((p) => p.audioMeanGain as number),
  )
  return r === null ? null : { r, n }
}

/** Each lag is a full alignment; this many keep a 24-hour session's search to seconds. */
const MAX_LAGS = 2001

export interface LagSearch {
  /** Lags from -rangeS to +rangeS around the alignment's own lag are tried. */
  rangeS: number
  stepS: number
}

/**
 * The lag that maximises |r| of mean gain against LAeq. Ties go to the lag closest to the starting one, so
 * a flat curve does not wander off to the edge of the range.
 */
export function bestLag(
  records: readonly TelemetryRecord[],
  levels: LevelTimeline,
  a: Alignment,
  search: LagSearch,
): BestLag {
  const steps = Math.floor(search.rangeS / search.stepS + 1e-9)
  if (2 * steps + 1 > MAX_LAGS)
    throw new UserError(
      `a best-lag search over ±${search.rangeS} s in ${search.stepS} s steps would try ${2 * steps + 1} lags; ` +
        `use a coarser step or a smaller range (at most ${MAX_LAGS} lags)`,
    )
  const curve: BestLag['curve'] = []
  let best: BestLag['curve'][number] | null = null
  for (let i = -steps; i <= steps; i++) {
    const lagS = a.lagS + i * search.stepS
    const fit = meanGainR(alignPairs(records, levels, { ...a, lagS }))
    if (!fit) continue
    const point = { lagS, r: fit.r, n: fit.n }
    curve.push(point)
    const better =
      !best ||
      Math.abs(point.r) > Math.abs(best.r) ||
      (Math.abs(point.r) === Math.abs(best.r) && Math.abs(lagS - a.lagS) < Math.abs(best.lagS - a.lagS))
    if (better) best = point
  }
  if (!best)
    throw new UserError(
      `no lag within ±${search.rangeS} s gives ${MIN_PAIRS} or more aligned intervals with varying gains and levels; ` +
        'check the clock offset (--offset) or widen the search',
    )
  return { lagS: best.lagS, r: best.r, n: best.n, curve }
}
