import { z } from 'zod'

/**
 * The measures of the played audio that gains are correlated with, one per window (telemetry interval):
 * two of IEC 61672-1 on the frequency-weighted signal, and the two the paper itself computed on the samples.
 */
export const levelMeasure = z.enum(['laeq', 'lafmax', 'maxMagnitude', 'meanMagnitude'])
export type LevelMeasure = z.infer<typeof levelMeasure>

export const LEVEL_MEASURES = levelMeasure.options

/** IEC 61672-1 frequency weightings of the played level. */
export const weighting = z.enum(['A', 'C', 'Z'])
export type Weighting = z.infer<typeof weighting>

interface MeasureInfo {
  method: 'iec' | 'paper'
  /** Short name for axes and table headers, given the session's frequency weighting. */
  name: (w: Weighting) => string
  /** What it is, in a sentence, for tooltips, legends and exported files. */
  description: string
}

export const MEASURES: Record<LevelMeasure, MeasureInfo> = {
  laeq: {
    method: 'iec',
    name: (w) => `L${w}eq`,
    description:
      'IEC 61672-1 equivalent continuous level: the energy mean of the weighted signal over the window',
  },
  lafmax: {
    method: 'iec',
    name: (w) => `L${w}Fmax`,
    description: 'IEC 61672-1 maximum of the Fast (125 ms) time-weighted level within the window',
  },
  maxMagnitude: {
    method: 'paper',
    name: () => 'max magnitude',
    description:
      "the paper's maximum magnitude: 20 lg of the largest |sample| of the unweighted audio in the window",
  },
  meanMagnitude: {
    method: 'paper',
    name: () => 'mean magnitude',
    description:
      "the paper's average magnitude: 20 lg of the mean |sample| of the unweighted audio in the window",
  },
}

/** The two kinds of measure as the UI and exports name them. */
export const MEASURE_FAMILIES = {
  iec: 'IEC 61672-1 levels',
  paper: "the paper's magnitudes",
} as const

/**
 * The two ways windows are placed, as the UI and exports name them. The paper's own method is the fixed one:
 * the k-th report after playback start covers the k-th interval (one minute for Webex) of the episode.
 */
export const ALIGN_METHOD_NAMES = {
  aligned: 'windows ending at each report (aligned by timestamps)',
  fixed: "the paper's fixed windows from playback start",
} as const

/**
 * The unit of a measure: dB re digital full scale until the session has a calibration offset, then sound
 * pressure level. IEC measures are frequency-weighted ("dBFS (A-weighted)", calibrated "dBA"); the paper's
 * are not ("dBFS", calibrated "dB SPL").
 */
export function measureUnit(m: LevelMeasure, weighting: Weighting, calibrated: boolean): string {
  if (MEASURES[m].method === 'paper') return calibrated ? 'dB SPL' : 'dBFS'
  if (weighting === 'Z') return calibrated ? 'dB SPL (unweighted)' : 'dBFS (unweighted)'
  return calibrated ? `dB${weighting}` : `dBFS (${weighting}-weighted)`
}

/** "LAeq, dBFS (A-weighted)": an axis label or column header that says what the numbers are. */
export function measureLabel(m: LevelMeasure, weighting: Weighting, calibrated: boolean): string {
  const paper = MEASURES[m].method === 'paper' ? ' (paper)' : ''
  return `${MEASURES[m].name(weighting)}${paper}, ${measureUnit(m, weighting, calibrated)}`
}
