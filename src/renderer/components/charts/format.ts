/** Shared axis formatting for MuteScope's plots. */
// One formatter for all ticks: toLocaleTimeString builds a new one per call, which a day of points feels.
const clockFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})

export function clock(t: number): string {
  return clockFormat.format(t)
}

export function db(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits)
}

export const gainColors = { min: '#2e7d32', mean: '#2557d6', max: '#c62828' } as const
export const levelColor = '#8e5bd6'

/**
 * About six evenly spaced ticks over the data's time span. Given explicitly, because recharts otherwise
 * measures a label for every candidate tick, which for a day of points costs more than drawing the plot.
 */
export function timeTicks(ts: readonly number[], count = 6): number[] {
  if (ts.length === 0) return []
  let lo = Infinity
  let hi = -Infinity
  for (const t of ts) {
    if (t < lo) lo = t
    if (t > hi) hi = t
  }
  if (hi === lo) return [lo]
  return Array.from({ length: count }, (_, i) => Math.round(lo + ((hi - lo) * i) / (count - 1)))
}
