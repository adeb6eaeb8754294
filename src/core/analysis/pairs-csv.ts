import type { AnalysisResult } from '../../shared/contract/analysis'

const COLUMNS = [
  't',
  'time_iso',
  'window_start',
  'window_end',
  'audioMinGain',
  'audioMeanGain',
  'audioMaxGain',
  'laeq',
  'lafmax',
  'maxMagnitude',
  'meanMagnitude',
  'calibrationDb',
] as const

function cell(v: number | string | null): string {
  return v === null ? '' : String(v)
}

/**
 * The aligned windows as CSV (RFC 4180, header row, times in ms since the epoch plus ISO 8601 for people):
 * what a researcher loads into a notebook to check or redo the statistics. Levels are dB re full scale plus
 * calibrationDb (empty: none, the levels are dBFS); maxMagnitude and meanMagnitude are the paper's measures.
 */
export function pairsCsv(result: AnalysisResult): string {
  const rows = result.pairs.map((p) =>
    [
      p.t,
      new Date(p.t).toISOString(),
      p.startT,
      p.endT,
      p.audioMinGain,
      p.audioMeanGain,
      p.audioMaxGain,
      p.laeq,
      p.lafmax,
      p.maxMagnitude,
      p.meanMagnitude,
      result.calibrationDb,
    ]
      .map(cell)
      .join(','),
  )
  return [COLUMNS.join(','), ...rows].join('\r\n') + '\r\n'
}
