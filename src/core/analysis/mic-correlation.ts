import type { MicCorrelation } from '../../shared/contract/mic-review'
import type { MicAccessSecond } from '../../shared/model'
import { UserError } from '../errors'
import { LevelTimeline } from './levels'
import { byStream } from './mic-summary'
import { MIN_PAIRS, pearson } from './stats'

export interface MicWindows {
  intervalS: number
  /** The first window starts here; the windows follow one another until `endT`. */
  playbackStartT: number
  endT: number
  /** Fraction of a window that both series must cover for it to count. */
  minCoverage: number
}

/** Windows per correlation at most: a day at one-second windows. */
const MAX_WINDOWS = 86_400

/**
 * The link from played audio to audio the app took in: for each telemetry interval from playback start, the
 * played LAeq and the energy mean of the RMS the app read (per process and API, seconds without samples left
 * out), and Pearson's r over the intervals where both were measured. Levels stay dB re full scale: an offset
 * would not change r.
 */
export function micCorrelation(
  rows: readonly MicAccessSecond[],
  levels: LevelTimeline,
  names: ReadonlyMap<number, string>,
  w: MicWindows,
): MicCorrelation {
  const step = w.intervalS * 1000
  const count = Math.ceil((w.endT - w.playbackStartT) / step)
  if (count > MAX_WINDOWS)
    throw new UserError(
      `${count} windows of ${w.intervalS} s are more than ${MAX_WINDOWS}; correlate over a longer interval`,
    )
  const windows = Array.from({ length: Math.max(0, count) }, (_, k) => w.playbackStartT + k * step)
  const streams = byStream(rows, names).map(({ stream, rows: own }) => {
    const read = new LevelTimeline(
      own.flatMap((r) => (r.rmsDbfs === null ? [] : [{ t: r.t, level: r.rmsDbfs }])),
      [],
    )
    const pairs = windows.flatMap((startT) => {
      const endT = startT + step
      const laeq = levels.leq(startT, endT, w.minCoverage)
      const rmsDbfs = laeq === null ? null : read.leq(startT, endT, w.minCoverage)
      return laeq === null || rmsDbfs === null ? [] : [{ startT, endT, laeq, rmsDbfs }]
    })
    const stat =
      pairs.length < MIN_PAIRS
        ? null
        : pearson(
            pairs.map((p) => p.laeq),
            pairs.map((p) => p.rmsDbfs),
          )
    return { ...stream, pearson: stat && { r: stat.r, ci: stat.ci, p: stat.p, n: stat.n }, pairs }
  })
  return { intervalS: w.intervalS, playbackStartT: w.playbackStartT, minCoverage: w.minCoverage, streams }
}
