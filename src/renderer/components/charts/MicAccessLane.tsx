import { Legend, Line, Tooltip } from 'recharts'
import type { MicReview } from '../../../shared/contract/mic-review'
import type { MuteInterval } from '../../../shared/model'
import { clock, timeTicks } from './format'
import { mutedAreas } from './MutedAreas'
import { TimeChart } from './TimeChart'

interface Props {
  lane: MicReview['lane']
  intervals: readonly MuteInterval[]
  /** The time axis of the gains-and-level chart above, so that the two line up second for second. */
  domain: [number, number]
  height?: number
}

const streamColors = ['#0f766e', '#b45309', '#7c3aed', '#be185d', '#1d4ed8', '#4d7c0f']

export const streamLabel = (s: { pid: number; api: string; name: string | null }) =>
  `${s.name ?? 'pid'} ${s.pid} · ${s.api}`

/**
 * The mic-access lane: per process and API, how many times a second the app read from the microphone (left
 * axis) and the RMS of what it read (right axis, dashed), on the same time axis as gains and played level,
 * with the muted intervals shaded.
 */
export function MicAccessLane({ lane, intervals, domain, height = 200 }: Props) {
  return (
    <TimeChart
      label="Mic-access lane"
      height={height}
      domain={domain}
      ticks={timeTicks(domain)}
      left={{ id: 'reads', label: 'Reads/s', allowDecimals: false }}
      right={{ id: 'rms', label: 'RMS, dBFS' }}
    >
      <Tooltip
        labelFormatter={(t) => clock(Number(t))}
        formatter={(v) => (typeof v === 'number' ? v.toFixed(1) : v)}
      />
      <Legend />
      {mutedAreas(intervals, domain[1], 'reads')}
      {lane.flatMap((s, i) => {
        const color = streamColors[i % streamColors.length]
        const label = streamLabel(s)
        return [
          <Line
            key={`${s.pid}-${s.api}-reads`}
            yAxisId="reads"
            data={s.reads}
            dataKey="v"
            name={`${label} reads/s`}
            stroke={color}
            dot={false}
            strokeWidth={1.5}
            isAnimationActive={false}
          />,
          <Line
            key={`${s.pid}-${s.api}-rms`}
            yAxisId="rms"
            data={s.rms}
            dataKey="v"
            name={`${label} RMS`}
            stroke={color}
            strokeDasharray="4 3"
            dot={false}
            strokeWidth={1}
            isAnimationActive={false}
          />,
        ]
      })}
    </TimeChart>
  )
}
