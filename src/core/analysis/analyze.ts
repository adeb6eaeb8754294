import { z } from 'zod'
import {
  alignOptions,
  type AlignedPair,
  type AlignOptions,
  type AnalysisResult,
  type LevelStats,
} from '../../shared/contract/analysis'
import { LEVEL_MEASURES, type LevelMeasure } from '../../shared/measures'
import type { Session, SessionEvent, TelemetryRecord } from '../../shared/model'
import { UserError } from '../errors'
import type { SessionStore } from '../store/session-store'
import { alignPairs, bestLag, GAIN_FIELDS, gainRecords, type Alignment, type GainName } from './align'
import { seriesByDevice } from './device-series'
import { LevelTimeline } from './levels'
import { linearFit, MIN_PAIRS, pearson, spearman } from './stats'

/** The profile's interval, or the typical spacing of the records when the session did not store one. */
export function resolveInterval(
  session: Session,
  records: readonly Pick<TelemetryRecord, 't'>[],
  override?: number,
): number {
  if (override !== undefined) return override
  if (session.intervalS !== null) return session.intervalS
  const gaps = records
    .slice(1)
    .map((r, i) => r.t - records[i].t)
    .filter((d) => d > 0)
    .sort((a, b) => a - b)
  if (gaps.length === 0)
    throw new UserError(
      `session ${session.id} has no telemetry interval and too few records to infer one; pass it (--interval S)`,
    )
  return gaps[gaps.length >> 1] / 1000
}

export function resolvePlaybackStart(events: readonly SessionEvent[], levels: LevelTimeline): number {
  const start = events.find((e) => e.kind === 'playback-start')?.t ?? levels.firstT
  if (start === null)
    throw new UserError('the session has no played-audio levels to correlate with; record one with playback')
  return start
}

function levelStats(pairs: readonly AlignedPair[], level: LevelMeasure): LevelStats {
  const withLevel = pairs.filter((p) => p[level] !== null)
  const perGain = <T>(stat: (x: number[], y: number[]) => T): Record<GainName, T | null> => {
    const one = (name: GainName): T | null => {
      const usable = withLevel.filter((p) => p[GAIN_FIELDS[name]] !== null)
      if (usable.length < MIN_PAIRS) return null
      return stat(
        usable.map((p) => p[level] as number),
        usable.map((p) => p[GAIN_FIELDS[name]] as number),
      )
    }
    return { min: one('min'), mean: one('mean'), max: one('max') }
  }
  return {
    n: withLevel.length,
    pearson: perGain(pearson),
    spearman: perGain(spearman),
    fits: perGain(linearFit),
  }
}

/** The alignment options with their defaults, or a UserError naming the one out of range. */
export function checkAlignOptions(options: AlignOptions): z.output<typeof alignOptions> {
  const parsed = alignOptions.safeParse(options)
  if (!parsed.success) throw new UserError(`invalid alignment options: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}

/**
 * Aligns a stored session's telemetry with its played levels and correlates each gain with LAeq and LAFmax.
 * Throws a UserError when fewer than three intervals can be paired, naming what to change.
 */
export function analyzeSession(store: SessionStore, id: number, options: AlignOptions = {}): AnalysisResult {
  const opts = checkAlignOptions(options)
  const session = store.getSession(id)
  // A review asks for the same analysis for its table and its plot export; a live session's rows only grow,
  // so the row counts (and the interval, which can be edited) say whether a kept result still holds.
  const key = [
    id,
    session.intervalS,
    session.calibrationDb,
    ...(['telemetry', 'level_seconds', 'level_windows', 'events'] as const).map((t) => store.count(t, id)),
    JSON.stringify(opts),
  ].join('|')
  const memo = memos.get(store)
  if (memo?.key === key) return memo.result
  const result = computeAnalysis(store, session, opts)
  memos.set(store, { key, result })
  return result
}

const memos = new WeakMap<SessionStore, { key: string; result: AnalysisResult }>()

function computeAnalysis(
  store: SessionStore,
  session: Session,
  opts: z.output<typeof alignOptions>,
): AnalysisResult {
  const id = session.id
  const records = gainRecords(store.telemetry(id))
  if (records.length < MIN_PAIRS)
    throw new UserError(
      `session ${id} has ${records.length} telemetry record(s) with audio gains; correlation needs at least ${MIN_PAIRS}: ` +
        'record for longer (one record arrives per telemetry interval)',
    )
  const levels = new LevelTimeline(store.levelSeconds(id), store.levelWindows(id))
  if (levels.isEmpty)
    throw new UserError(
      `session ${id} has no played-audio levels to correlate with; record it with episode playback`,
    )
  const intervalS = resolveInterval(session, records, opts.intervalS)
  let alignment: Alignment = {
    method: opts.method,
    offsetS: opts.offsetS,
    lagS: opts.lagS,
    intervalS,
    playbackStartT: resolvePlaybackStart(store.events(id), levels),
    minCoverage: opts.minCoverage,
  }
  const lag = opts.bestLag
    ? bestLag(records, levels, alignment, { rangeS: opts.lagRangeS ?? intervalS, stepS: opts.lagStepS })
    : null
  if (lag) alignment = { ...alignment, lagS: lag.lagS }
  const calibrationDb = opts.calibrationDb === undefined ? session.calibrationDb : opts.calibrationDb
  const pairsOf = (rs: readonly TelemetryRecord[]) =>
    calibrate(alignPairs(rs, levels, alignment), calibrationDb ?? 0)
  const pairs = pairsOf(records)
  if (pairs.length < MIN_PAIRS)
    throw new UserError(
      `only ${pairs.length} of ${records.length} telemetry intervals overlap the played audio; correlation needs at least ` +
        `${MIN_PAIRS}: check the clock offset and lag (--offset, --lag, --best-lag) or record for longer`,
    )
  return {
    sessionId: id,
    alignment: { ...alignment, weighting: levels.weighting },
    bestLag: lag,
    calibrationDb,
    pairs,
    laeq: levelStats(pairs, 'laeq'),
    lafmax: levelStats(pairs, 'lafmax'),
    maxMagnitude: levelStats(pairs, 'maxMagnitude'),
    meanMagnitude: levelStats(pairs, 'meanMagnitude'),
    // Multi-device sessions: a series per device and target, against LAeq (dBA).
    ...seriesByDevice(
      records,
      pairsOf,
      (p) => levelStats(p, 'laeq'),
      store.events(id),
      store.clockOffsets(id),
    ),
  }
}

/** Adds the calibration offset to every measure: levels re full scale become sound pressure levels. */
function calibrate(pairs: AlignedPair[], offset: number): AlignedPair[] {
  if (offset === 0) return pairs
  const add = (v: number | null) => (v === null ? null : v + offset)
  return pairs.map((p) => {
    const out = { ...p }
    for (const m of LEVEL_MEASURES) out[m] = add(p[m]) as number
    return out
  })
}
