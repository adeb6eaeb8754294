import type { MicReview } from '../../shared/contract/mic-review'
import { UserError } from '../errors'
import type { SessionStore } from '../store/session-store'
import { resolveInterval, resolvePlaybackStart } from './analyze'
import { decimateMinMax } from './decimate'
import { LevelTimeline } from './levels'
import { micCorrelation } from './mic-correlation'
import { byStream, mutedReads, processNames } from './mic-summary'

export interface MicReviewOptions {
  /** Pixel columns of the lane: each stream's series keeps a minimum and a maximum per column. */
  width: number
  /** Correlation windows; default: the session's telemetry interval. */
  intervalS?: number
  minCoverage?: number
}

/**
 * Everything the review shows of a session's mic-access lane: the lane itself decimated for plotting, the
 * muted intervals, what each process read through each API while muted, and the correlation of the RMS it read
 * with the played LAeq (or why there is none).
 */
export function micReview(store: SessionStore, id: number, opts: MicReviewOptions): MicReview {
  const session = store.getSession(id)
  const rows = store.micAccess(id)
  const intervals = store.muteIntervals(id)
  const events = store.events(id)
  const names = processNames(events)
  const fromT = rows.reduce((m, r) => Math.min(m, r.t), Infinity)
  const toT = rows.reduce((m, r) => Math.max(m, r.t), -Infinity)
  const series = (points: { t: number; level: number | null }[]) =>
    decimateMinMax(points, opts.width, fromT, toT).map((p) => ({ t: p.t, v: p.level }))
  const lane = byStream(rows, names).map(({ stream, rows: own }) => ({
    ...stream,
    reads: series(own.map((r) => ({ t: r.t, level: r.reads }))),
    rms: series(own.map((r) => ({ t: r.t, level: r.rmsDbfs }))),
  }))
  let correlation: MicReview['correlation'] = null
  let correlationError: string | null = null
  try {
    if (rows.length === 0) throw new UserError('no mic-access seconds were recorded in this session')
    const seconds = store.levelSeconds(id)
    const windows = store.levelWindows(id)
    const levels = new LevelTimeline(seconds, windows)
    if (levels.isEmpty) throw new UserError('no audio was played in this session to correlate with')
    const endT = windows.reduce(
      (m, w) => Math.max(m, w.endT),
      seconds.length > 0 ? seconds[seconds.length - 1].t + 1000 : -Infinity,
    )
    correlation = micCorrelation(rows, levels, names, {
      // The records are read only when neither the request nor the session says the interval.
      intervalS: opts.intervalS ?? session.intervalS ?? resolveInterval(session, store.telemetry(id)),
      playbackStartT: resolvePlaybackStart(events, levels),
      endT,
      minCoverage: opts.minCoverage ?? 0.9,
    })
  } catch (err) {
    if (!(err instanceof UserError)) throw err
    correlationError = err.message
  }
  return {
    sessionId: id,
    intervals,
    total: rows.length,
    lane,
    muted: mutedReads(rows, intervals, names),
    correlation,
    correlationError,
  }
}
