import type { ReactNode } from 'react'
import { CartesianGrid, ComposedChart, ResponsiveContainer, XAxis, YAxis } from 'recharts'
import { clock } from './format'

/** A value axis of a time chart: its id for the series drawn on it and its label. */
interface ValueAxis {
  id: string
  label: string
  allowDecimals?: boolean
}

/**
 * The frame the charts over wall-clock time share: grid, a time axis on explicit clock ticks, and twin value
 * axes, one label-side each; the series, tooltip and legend are the caller's children. One frame, so that
 * charts stacked on one time axis line up second for second and label their axes alike.
 */
export function TimeChart(props: {
  label: string
  height: number
  /** The time axis; null: the data's span. */
  domain: [number, number] | null
  ticks: number[]
  left: ValueAxis
  right: ValueAxis
  /** Shown above the chart, e.g. a control to undo a zoom. */
  above?: ReactNode
  children: ReactNode
}) {
  const { domain, left, right } = props
  return (
    <figure className="chart" aria-label={props.label}>
      {props.above}
      <ResponsiveContainer width="100%" height={props.height}>
        <ComposedChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={domain ?? ['dataMin', 'dataMax']}
            allowDataOverflow={domain !== null}
            ticks={props.ticks}
            interval={0}
            tickFormatter={clock}
          />
          <YAxis
            yAxisId={left.id}
            allowDecimals={left.allowDecimals}
            label={{ value: left.label, angle: -90, position: 'insideLeft' }}
          />
          <YAxis
            yAxisId={right.id}
            orientation="right"
            allowDecimals={right.allowDecimals}
            label={{ value: right.label, angle: 90, position: 'insideRight' }}
          />
          {props.children}
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  )
}
