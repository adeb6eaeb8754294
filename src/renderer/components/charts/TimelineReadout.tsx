import type { TooltipContentProps } from 'recharts'
import type { GainPoint, GainSeries } from './deviceSeries'
import { clock, db, gainColors, levelColor } from './format'

/** The look of recharts' own tooltip, which this one replaces. */
const box = {
  background: '#fff',
  border: '1px solid #ccc',
  padding: '6px 10px',
  whiteSpace: 'nowrap',
} as const
const line = { margin: '2px 0' }

/** Index of the first item at or after t in a time-sorted series (its length when none is). */
function firstFrom(series: readonly { t: number }[], t: number): number {
  let lo = 0
  let hi = series.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (series[mid].t < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The report covering t: the first at or after it (a report summarises the interval ending at its time). */
function reportAt(points: readonly GainPoint[], t: number): GainPoint | undefined {
  return points[Math.min(firstFrom(points, t), points.length - 1)]
}

/**
 * The hover readout of the gains-and-level timeline: at the time under the pointer, the played level and the
 * gains of each device's report covering it (a report summarises the interval that ends at its time, so the
 * first one at or after the pointer; after the last report, the last). Built for the whole series rather than
 * for the points under the pointer, which are rarely a report's.
 */
export function timelineReadout(
  series: readonly GainSeries[],
  levels: readonly { t: number; level: number | null }[],
  unit: string,
) {
  return function Readout({ active, label }: TooltipContentProps) {
    if (!active || label === undefined) return null
    const t = Number(label)
    const i = firstFrom(levels, t)
    const near = [levels[i - 1], levels[i]].filter(Boolean)
    const level = near.sort((a, b) => Math.abs(a.t - t) - Math.abs(b.t - t))[0]
    const single = series.length === 1
    return (
      <div className="timeline-readout" style={box}>
        <p style={line}>{clock(t)}</p>
        {level && (
          <p style={{ ...line, color: levelColor }}>
            LAeq,1s: {db(level.level)} {unit}
          </p>
        )}
        {series.map((g) => {
          const report = reportAt(g.points, t)
          if (!report) return null
          return (
            <p key={g.key} style={single ? line : { ...line, color: g.color }}>
              {single ? 'Report' : `${g.label}: report`} of {clock(report.t)}:{' '}
              {(['max', 'mean', 'min'] as const).map((k) => (
                <span key={k} style={single ? { color: gainColors[k] } : undefined}>
                  {k} gain {db(report[k])}
                  {k === 'min' ? ' dB' : ', '}
                </span>
              ))}
            </p>
          )
        })}
      </div>
    )
  }
}
