import { useState } from 'react'
import {
  CartesianGrid,
  Legend,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import { DragZoom, ResetZoom, type ZoomBox } from './DragZoom'

/** One cloud of points with its least-squares line, drawn across the points' own x range. */
export interface FitSeries {
  name: string
  color: string
  points: { x: number; y: number }[]
  fit: { slope: number | null; intercept: number | null } | null
}

/** A bare circle: recharts' default symbol costs several elements per point, too many for a day of minutes. */
function dotShape(props: unknown) {
  const { cx, cy, fill } = props as { cx: number; cy: number; fill: string }
  return <circle cx={cx} cy={cy} r={2.5} fill={fill} fillOpacity={0.75} />
}

function fitSegment(s: FitSeries): [{ x: number; y: number }, { x: number; y: number }] | null {
  const { fit } = s
  if (!fit || fit.slope === null || fit.intercept === null || s.points.length === 0) return null
  let x0 = Infinity
  let x1 = -Infinity
  for (const p of s.points) {
    x0 = Math.min(x0, p.x)
    x1 = Math.max(x1, p.x)
  }
  return [
    { x: x0, y: fit.intercept + fit.slope * x0 },
    { x: x1, y: fit.intercept + fit.slope * x1 },
  ]
}

/**
 * Gains against a level, one coloured cloud per series with its dashed fit line: the paper's Fig. 7 of one
 * session, or the groups of a comparison overlaid. Hovering a point shows its values; dragging a box zooms
 * into it, Reset zoom (or a double click) zooms out.
 */
export function FitScatter(props: {
  label: string
  series: FitSeries[]
  xName: string
  xLabel: string
  yName: string
  yLabel: string
  height: number
}) {
  const { series, height } = props
  const [zoom, setZoom] = useState<ZoomBox | null>(null)
  return (
    <figure className="chart" aria-label={props.label}>
      {zoom && <ResetZoom onReset={() => setZoom(null)} />}
      <ResponsiveContainer width="100%" height={height}>
        <ScatterChart margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="x"
            type="number"
            domain={zoom?.x ?? ['auto', 'auto']}
            allowDataOverflow={zoom !== null}
            tickFormatter={(v: number) => String(Number(v.toFixed(2)))}
            name={props.xName}
            label={{ value: props.xLabel, position: 'insideBottom', offset: -8 }}
          />
          <YAxis
            dataKey="y"
            type="number"
            domain={zoom?.y ?? ['auto', 'auto']}
            allowDataOverflow={zoom?.y != null}
            tickFormatter={(v: number) => String(Number(v.toFixed(2)))}
            name={props.yName}
            width={56}
            label={{ value: props.yLabel, angle: -90, position: 'insideLeft', offset: 0 }}
          />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(1) : v)} />
          <Legend verticalAlign="top" />
          <DragZoom axes="xy" onZoom={setZoom} />
          {series.map((s) => (
            <Scatter
              key={s.name}
              name={s.name}
              data={s.points}
              fill={s.color}
              shape={dotShape}
              isAnimationActive={false}
            />
          ))}
          {series.map((s) => {
            const segment = fitSegment(s)
            return (
              segment && (
                <ReferenceLine
                  key={`fit-${s.name}`}
                  segment={segment}
                  stroke={s.color}
                  strokeDasharray="6 3"
                  ifOverflow={zoom ? 'hidden' : 'extendDomain'}
                />
              )
            )
          })}
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  )
}
