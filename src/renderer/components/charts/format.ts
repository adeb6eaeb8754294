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

/** A p-value: four decimals, small ones in exponent form; 0 (below double precision) as such. */
export function pText(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–'
  if (v === 0) return '< 1e-300'
  return v < 1e-4 ? v.toExponential(1) : v.toFixed(4)
}

/** Pearson's r with its 95% interval and p: "-0.950 [-0.980, -0.880], p 1.2e-9". */
export function pearsonText(
  s: { r: number | null; ci: [number, number] | null; p: number | null } | null | undefined,
): string {
  return `${db(s?.r, 3)} ${s?.ci ? `[${db(s.ci[0], 3)}, ${db(s.ci[1], 3)}]` : ''}, p ${pText(s?.p)}`
}

export const gainColors = { min: '#2e7d32', mean: '#2557d6', max: '#c62828' } as const
export const levelColor = '#8e5bd6'

/** Distinct colours for up to eight groups or devices (then they repeat). */
export const groupColors = [
  '#2557d6',
  '#c62828',
  '#2e7d32',
  '#8e5bd6',
  '#ef6c00',
  '#00838f',
  '#6d4c41',
  '#ad1457',
]

/** Clock steps a reader counts in (s): seconds, minutes and hours in their usual divisions. */
const CLOCK_STEPS_S = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
]

/**
 * At most `count` ticks on round clock times (every 10 s, 5 min, 1 h ... of the local clock) within the data's
 * time span, so that labels read as 12:05:00, 12:10:00 and never crowd each other. Given explicitly, because
 * recharts otherwise measures a label for every candidate tick, which for a day of points costs more than
 * drawing the plot.
 */
export function timeTicks(ts: readonly number[], count = 6): number[] {
  const span = timeSpan(ts)
  if (!span) return []
  const [lo, hi] = span
  if (hi === lo) return [lo]
  const stepS =
    CLOCK_STEPS_S.find((s) => (hi - lo) / (s * 1000) <= count - 1) ??
    CLOCK_STEPS_S[CLOCK_STEPS_S.length - 1] * Math.ceil((hi - lo) / 86_400_000 / (count - 1))
  const step = stepS * 1000
  // Minutes and hours of the local clock, which is the UTC one shifted by the time zone.
  const shift = new Date(lo).getTimezoneOffset() * 60_000
  const ticks: number[] = []
  for (let t = Math.ceil((lo - shift) / step) * step + shift; t <= hi; t += step) ticks.push(t)
  return ticks.length > 0 ? ticks : [lo, hi]
}

/** The span of several time series, so that charts stacked on one time axis line up; null when all are empty. */
export function timeSpan(...series: readonly (readonly number[])[]): [number, number] | null {
  let lo = Infinity
  let hi = -Infinity
  for (const ts of series)
    for (const t of ts) {
      if (t < lo) lo = t
      if (t > hi) hi = t
    }
  return lo <= hi ? [lo, hi] : null
}
