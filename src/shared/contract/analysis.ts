import { z } from 'zod'
import { levelMeasure, weighting } from '../measures'
import { levelSecond } from '../model'
import { request } from './define'

const seconds = z.number().finite().min(-86_400).max(86_400)

export const alignMethod = z.enum(['aligned', 'fixed'])
export type AlignMethod = z.infer<typeof alignMethod>

/** How telemetry records are paired with the played audio's levels. */
export const alignOptions = z
  .object({
    method: alignMethod.default('aligned'),
    offsetS: seconds.default(0),
    lagS: seconds.default(0),
    bestLag: z.boolean().default(false),
    /** Best-lag search: ±this many seconds around lagS; by default one telemetry interval. */
    lagRangeS: z.number().positive().max(86_400).optional(),
    lagStepS: z.number().positive().max(3600).default(1),
    /** Overrides the session's profile interval (needed when the session has none and it cannot be inferred). */
    intervalS: z.number().positive().max(86_400).optional(),
    minCoverage: z.number().min(0).max(1).default(0.9),
    /** dB added to every level for this analysis; null: none; absent: the session's own calibration. */
    calibrationDb: z.number().min(-200).max(200).nullable().optional(),
  })
  .strict()
export type AlignOptions = z.input<typeof alignOptions>

export const alignedPair = z.object({
  t: z.number(),
  startT: z.number(),
  endT: z.number(),
  audioMinGain: z.number().nullable(),
  audioMeanGain: z.number().nullable(),
  audioMaxGain: z.number().nullable(),
  laeq: z.number(),
  lafmax: z.number().nullable(),
  /** The paper's measures of the same window; null for sessions recorded before they were kept. */
  maxMagnitude: z.number().nullable(),
  meanMagnitude: z.number().nullable(),
})
export type AlignedPair = z.infer<typeof alignedPair>

/** Pearson's r over n pairs, as SciPy's pearsonr gives it. */
export const pearsonStat = z.object({
  /** null when one series is constant: r is undefined there (SciPy returns NaN). */
  r: z.number().nullable(),
  /** 95% interval from Fisher's z transform; [-1, 1] at n = 3, where it carries no information. */
  ci: z.tuple([z.number(), z.number()]).nullable(),
  /** Two-sided p-value for H0: r = 0. */
  p: z.number().nullable(),
  n: z.number().int(),
})
export const spearmanStat = z.object({
  rho: z.number().nullable(),
  p: z.number().nullable(),
  n: z.number().int(),
})
export const fitStat = z.object({
  slope: z.number().nullable(),
  intercept: z.number().nullable(),
  n: z.number().int(),
})
/** Per gain; null where fewer than three pairs carry that gain and level. */
const perGain = <T extends z.ZodType>(stat: T) =>
  z.object({ min: stat.nullable(), mean: stat.nullable(), max: stat.nullable() })

export const levelStats = z.object({
  n: z.number().int(),
  pearson: perGain(pearsonStat),
  spearman: perGain(spearmanStat),
  fits: perGain(fitStat),
})
export type LevelStats = z.infer<typeof levelStats>

export const bestLag = z.object({
  lagS: z.number(),
  r: z.number(),
  n: z.number().int(),
  curve: z.array(z.object({ lagS: z.number(), r: z.number(), n: z.number().int() })),
})
export type BestLag = z.infer<typeof bestLag>

/** A multi-device session's series: one per device and target. */
export const seriesKey = z.object({
  /** "local" for this computer, a registry name, or the plan's HOST:PORT. */
  device: z.string(),
  target: z.string().nullable(),
})
export type SeriesKey = z.infer<typeof seriesKey>

/** One series of a multi-device session, aligned with the played levels as the whole session is. */
export const deviceSeries = seriesKey.extend({
  /** Its telemetry records that carry gains. */
  records: z.number().int(),
  pairs: z.array(alignedPair),
  /** Each gain against LAeq (dBA): Pearson with CI and p, Spearman, fit; null where under three pairs. */
  laeq: levelStats,
  /** The device's clock offset measured at the start; null when none was stored. */
  clock: z.object({ offsetMs: z.number(), uncertaintyMs: z.number(), samples: z.number().int() }).nullable(),
  /** Where the device was unreachable (device-lost → device-back); endT null: it never came back. */
  gaps: z.array(z.object({ startT: z.number(), endT: z.number().nullable() })),
})
export type DeviceSeries = z.infer<typeof deviceSeries>

/** Fisher's z test of r(a) − r(b) against LAeq for one gain; null when either series has under four pairs. */
export const deviceDifference = z.object({
  a: seriesKey,
  b: seriesKey,
  gain: z.enum(['min', 'mean', 'max']),
  z: z.number().nullable(),
  p: z.number().nullable(),
})
export type DeviceDifference = z.infer<typeof deviceDifference>

export const analysisResult = z.object({
  sessionId: z.number().int(),
  alignment: z.object({
    method: alignMethod,
    offsetS: z.number(),
    lagS: z.number(),
    intervalS: z.number(),
    playbackStartT: z.number(),
    minCoverage: z.number(),
    weighting,
  }),
  bestLag: bestLag.nullable(),
  /** The offset added to every level (dB SPL of digital full scale); null: levels are dB re full scale. */
  calibrationDb: z.number().nullable(),
  pairs: z.array(alignedPair),
  laeq: levelStats,
  lafmax: levelStats,
  maxMagnitude: levelStats,
  meanMagnitude: levelStats,
  /**
   * Multi-device sessions only (telemetry tagged with devices): a series per device and target, and every
   * two series compared per gain. The fields above pool all series.
   */
  devices: z.array(deviceSeries).optional(),
  deviceDifferences: z.array(deviceDifference).optional(),
})
export type AnalysisResult = z.infer<typeof analysisResult>

/** The gains Webex reports per interval. */
export const gainName = z.enum(['min', 'mean', 'max'])

export const plotOptions = z
  .object({
    level: levelMeasure.default('laeq'),
    gains: z.array(gainName).min(1).default(['min', 'mean', 'max']),
    width: z.number().int().min(200).max(4000).default(720),
    height: z.number().int().min(150).max(4000).default(480),
    title: z.string().max(200).optional(),
  })
  .strict()
export type PlotOptions = z.input<typeof plotOptions>

/** A file for the UI to download: text travels as utf8, binary (PNG, PDF) as base64. */
export const exportedFile = z.object({
  fileName: z.string(),
  mimeType: z.string(),
  encoding: z.enum(['utf8', 'base64']),
  data: z.string(),
})

const sessionRef = z.object({ id: z.number().int().positive() })

export const analysisRequests = {
  analyzeSession: request(
    'Pairs telemetry gains with played levels and correlates them (Pearson with CI, Spearman, fit)',
    sessionRef.extend(alignOptions.shape).strict(),
    analysisResult,
  ),
  exportPlot: request(
    'The correlation plot as SVG or PNG, or the aligned windows as CSV; text as utf8, PNG as base64',
    sessionRef
      .extend({
        format: z.enum(['svg', 'png', 'csv']),
        align: alignOptions.prefault({}),
        plot: plotOptions.prefault({}),
      })
      .strict(),
    exportedFile,
  ),
  levelTrace: request(
    'One-second levels of a session decimated to min/max per pixel column, for plotting long sessions',
    sessionRef
      .extend({
        width: z.number().int().min(1).max(20_000),
        fromT: z.number().optional(),
        toT: z.number().optional(),
      })
      .strict(),
    z.object({ total: z.number().int(), points: z.array(levelSecond) }),
  ),
}
