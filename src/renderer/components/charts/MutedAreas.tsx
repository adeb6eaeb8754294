import { ReferenceArea } from 'recharts'
import type { MuteInterval } from '../../../shared/model'

export const mutedFill = '#6b7280'

/**
 * The muted intervals as shaded spans of a time chart; one still open reaches `endT` (the chart's right
 * edge). Children of the chart, on the axis `yAxisId`.
 */
export function mutedAreas(intervals: readonly MuteInterval[], endT: number, yAxisId: string) {
  return intervals.map((i) => (
    <ReferenceArea
      key={i.start}
      className="muted-interval"
      x1={i.start}
      x2={i.end ?? endT}
      yAxisId={yAxisId}
      fill={mutedFill}
      fillOpacity={0.18}
      ifOverflow="hidden"
      label={{ value: 'muted', position: 'insideTopLeft', fontSize: 11, fill: '#444' }}
    />
  ))
}
