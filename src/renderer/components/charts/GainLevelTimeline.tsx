import { Legend, Line, ReferenceArea, Tooltip } from 'recharts'
import type { LevelSecond, MuteInterval } from '../../../shared/model'
import { measureUnit } from '../../../shared/measures'
import { isGapOf, type DeviceGap, type GainPoint, type GainSeries } from './deviceSeries'
import { DragZoom, ResetZoom } from './DragZoom'
import { gainColors, levelColor, timeTicks } from './format'
import { mutedAreas, mutedFill } from './MutedAreas'
import { TimeChart } from './TimeChart'
import { timelineReadout } from './TimelineReadout'

interface Props {
  /** The gains, one series per device and target (gainSeries): one is drawn as min, mean and max. */
  series: readonly GainSeries[]
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
  /** Spans in which a lab device did not answer: its series breaks there, and the span is shaded. */
  gaps?: readonly DeviceGap[]
}

/** Gains the app reported and the level of what was played, over wall-clock time on twin axes. */
export function GainLevelTimeline({
  series,
  levels: measured,
  height = 300,
  calibrationDb = null,
  domain = null,
  muted = [],
  onZoom,
  zoomed = false,
  gaps = [],
}: Props) {
  const levels =
    calibrationDb === null
      ? measured
      : measured.map((l) => ({ t: l.t, level: l.level === null ? null : l.level + calibrationDb }))
  const unit = measureUnit('laeq', 'A', calibrationDb !== null)
  const points = series.flatMap((g) => g.points)
  // Thousands of dots cost more to draw than they tell; long sessions show lines only.
  const dot = points.length <= 150 ? { r: 2 } : false
  const ticks = timeTicks(domain ?? [...points.map((g) => g.t), ...levels.map((l) => l.t)])
  const endT = domain?.[1] ?? ticks[ticks.length - 1] ?? 0
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
      <Tooltip content={timelineReadout(series, levels, unit)} />
      <Legend />
      {onZoom && <DragZoom onZoom={(z) => onZoom(z && z.x)} />}
      {mutedAreas(muted, endT, 'gain')}
      {gapAreas(gaps, series, endT)}
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
      {series.length > 1 ? series.map((g) => deviceLine(g, dot)) : gainLines(series[0]?.drawn ?? [], dot)}
    </TimeChart>
  )
}

type Dot = { r: number } | false

/** One device's gains, as sessions have always been drawn: min, mean and max, each its own colour. */
function gainLines(points: readonly GainPoint[], dot: Dot) {
  return (['max', 'mean', 'min'] as const).map((k) => (
    <Line
      key={k}
      yAxisId="gain"
      data={points}
      dataKey={k}
      name={`${k} gain`}
      stroke={gainColors[k]}
      strokeWidth={k === 'mean' ? 2 : 1}
      dot={dot}
      isAnimationActive={false}
    />
  ))
}

/** Several devices: each one's mean gain in its colour (its min and max are in the readout). */
function deviceLine(g: GainSeries, dot: Dot) {
  return (
    <Line
      key={g.key}
      yAxisId="gain"
      data={g.drawn}
      dataKey="mean"
      name={`mean gain, ${g.label}`}
      stroke={g.color}
      strokeWidth={2}
      dot={dot}
      isAnimationActive={false}
    />
  )
}

/** The devices' gaps as shaded spans in their series' colour, named for the device; one still open reaches `endT`. */
function gapAreas(gaps: readonly DeviceGap[], series: readonly GainSeries[], endT: number) {
  const colorOf = (x: DeviceGap) =>
    series.length === 1 ? mutedFill : (series.find((g) => isGapOf(x, g))?.color ?? mutedFill)
  return gaps.map((x) => (
    <ReferenceArea
      key={`${x.device}-${x.target}-${x.start}`}
      className="device-gap"
      x1={x.start}
      x2={x.end ?? endT}
      yAxisId="gain"
      fill={colorOf(x)}
      fillOpacity={0.12}
      stroke={colorOf(x)}
      strokeDasharray="4 3"
      strokeOpacity={0.6}
      ifOverflow="hidden"
      label={{ value: `${x.label} lost`, position: 'insideTopRight', fontSize: 11, fill: '#444' }}
    />
  ))
}
