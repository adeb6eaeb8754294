import { z } from 'zod'
import { muteInterval } from '../model'
import { exportedFile, pearsonStat } from './analysis'
import { request } from './define'

const sessionRef = z.object({ id: z.number().int().positive() })

/** More muted intervals than anyone marks by hand or by toggling: the bound on what one edit may write. */
export const maxMuteIntervals = 10_000

/** One process's reads through one audio API; name is the process name its attach recorded, if any. */
export const micStream = z.object({ pid: z.number().int(), api: z.string(), name: z.string().nullable() })
export type MicStream = z.infer<typeof micStream>

/** A plotted point of the lane; v null where nothing was measured (no samples to take an RMS of). */
export const lanePoint = z.object({ t: z.number(), v: z.number().nullable() })

/** What one process read through one API while the app was muted, and the sentence that says it. */
export const mutedReads = micStream.extend({
  /** Length of the muted intervals (s). */
  mutedS: z.number(),
  /** Seconds of muted time in which it read at least once: the seconds of audio it took in. */
  readS: z.number().int(),
  reads: z.number().int(),
  /** Reads per second over the seconds in which it read; 0 when it read nothing. */
  readsPerS: z.number(),
  /** Energy mean of the RMS of what it read; null when the API gives no sample format, or nothing was read. */
  rmsDbfs: z.number().nullable(),
  peakDbfs: z.number().nullable(),
  sentence: z.string(),
})
export type MutedReads = z.infer<typeof mutedReads>

/** Per telemetry interval: the RMS of what the app read against the LAeq of what was played. */
export const micCorrelation = z.object({
  intervalS: z.number(),
  playbackStartT: z.number(),
  minCoverage: z.number(),
  streams: z.array(
    micStream.extend({
      pearson: pearsonStat.nullable(),
      pairs: z.array(
        z.object({ startT: z.number(), endT: z.number(), laeq: z.number(), rmsDbfs: z.number() }),
      ),
    }),
  ),
})
export type MicCorrelation = z.infer<typeof micCorrelation>

export const micReview = z.object({
  sessionId: z.number().int(),
  intervals: z.array(muteInterval),
  /** Seconds recorded in the lane (all processes and APIs). */
  total: z.number().int(),
  /** Per stream, reads/s and RMS decimated to min/max per pixel column. */
  lane: z.array(micStream.extend({ reads: z.array(lanePoint), rms: z.array(lanePoint) })),
  /** For the muted intervals, per process and API. */
  muted: z.array(mutedReads),
  correlation: micCorrelation.nullable(),
  /** Why there is no correlation (no playback, too few intervals...). */
  correlationError: z.string().nullable(),
})
export type MicReview = z.infer<typeof micReview>

export const micReviewRequests = {
  micReview: request(
    "A session's mic-access lane (decimated), muted intervals, what the app read while muted, and the correlation of its RMS with the played LAeq",
    sessionRef
      .extend({
        width: z.number().int().min(1).max(20_000),
        /** Correlation windows; default: the session's telemetry interval. */
        intervalS: z.number().positive().max(86_400).optional(),
        minCoverage: z.number().min(0).max(1).default(0.9),
      })
      .strict(),
    micReview,
  ),
  setMuteIntervals: request(
    "Replaces a session's muted intervals (ms since the epoch, in order, apart, within the session)",
    sessionRef.extend({ intervals: z.array(muteInterval).max(maxMuteIntervals) }).strict(),
    z.object({ intervals: z.array(muteInterval) }),
  ),
  exportMicAccess: request(
    "The session's mic-access seconds (with whether each was muted) as CSV, or everything (intervals, summary, correlation, seconds) as JSON",
    sessionRef.extend({ format: z.enum(['csv', 'json']) }).strict(),
    exportedFile.extend({ encoding: z.literal('utf8') }),
  ),
}
