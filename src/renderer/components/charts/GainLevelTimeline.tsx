import { Legend, Line, Tooltip } from 'recharts'
import type { LevelSecond, MuteInterval, TelemetryRecord } from '../../../shared/model'
import { measureUnit } from '../../../shared/measures'
import { DragZoom, ResetZoom } from './DragZoom'
import { gainColors, levelColor, timeTicks } from './format'
import { mutedAreas } from './MutedAreas'
import { TimeChart } from './TimeChart'
import { timelineReadout } from './TimelineReadout'

interface Props {
  telemetry: TelemetryRecord[]
  /** One-second levels, already decimated to about two points per pixel column. */
  levels: LevelSecond[]
  height?: number
  /** The session's calibration offset, added to the levels; null: they stay dB re full scale. */
  calibrationDb?: number | null
  /** The time axis, when charts stacked below must line up with this one; default: the data's span. */
  domain?: [number, number] | null
  /** Shaded as the spans in which the app was muted. */
  muted?: readonly MuteInterval[]
  /** Called with the time span dragged across, or null to zoom out; without it the chart does not zoom. */
  onZoom?: (span: [number, number] | null) => void
  /** The domain is a zoom: offer to undo it. */
  zoomed?: boolean
}

function gain(r: TelemetryRecord, key: string): number | null {
  const v = r.fields[key]
  return typeof v === 'number' ? v : null
}

/** Gains the app reported and the level of what was played, over wall-clock time on twin axes. */
export function GainLevelTimeline({
  telemetry,
  levels: measured,
  height = 300,
  calibrationDb = null,
  domain = null,
  muted = [],
  onZoom,
  zoomed = false,
}: Props) {
  const levels =
    calibrationDb === null
      ? measured
      : measured.map((l) => ({ t: l.t, level: l.level === null ? null : l.level + calibrationDb }))
  const unit = measureUnit('laeq', 'A', calibrationDb !== null)
  const gains = telemetry.map((r) => ({
    t: r.t,
    min: gain(r, 'audioMinGain'),
    mean: gain(r, 'audioMeanGain'),
    max: gain(r, 'audioMaxGain'),
  }))
  // Thousands of dots cost more to draw than they tell; long sessions show lines only.
  const dot = gains.length <= 150 ? { r: 2 } : false
  const ticks = timeTicks(domain ?? [...gains.map((g) => g.t), ...levels.map((l) => l.t)])
  return (
    <TimeChart
      label="Gains and played level over time"
      height={height}
      domain={domain}
      ticks={ticks}
      left={{ id: 'gain', label: 'Gain (dB)' }}
      right={{ id: 'level', label: `LAeq,1s, ${unit}` }}
      above={zoomed && onZoom && <ResetZoom onReset={() => onZoom(null)} />}
    >
      <Tooltip content={timelineReadout(gains, levels, unit)} />
      <Legend />
      {onZoom && <DragZoom onZoom={(z) => onZoom(z && z.x)} />}
      {mutedAreas(muted, domain?.[1] ?? ticks[ticks.length - 1] ?? 0, 'gain')}
      <Line
        yAxisId="level"
        data={levels}
        dataKey="level"
        name="LAeq,1s"
        stroke={levelColor}
        dot={false}
        strokeWidth={1}
        isAnimationActive={false}
      />
      {(['max', 'mean', 'min'] as const).map((k) => (
        <Line
          key={k}
          yAxisId="gain"
          data={gains}
          dataKey={k}
          name={`${k} gain`}
          stroke={gainColors[k]}
          strokeWidth={k === 'mean' ? 2 : 1}
          dot={dot}
          isAnimationActive={false}
        />
      ))}
    </TimeChart>
  )
}
