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
import type { AnalysisResult } from '../../../shared/contract/analysis'
import { measureLabel } from '../../../shared/measures'
import { db, gainColors } from './format'

type GainKey = 'min' | 'mean' | 'max'
const field = { min: 'audioMinGain', mean: 'audioMeanGain', max: 'audioMaxGain' } as const

/** A bare circle: recharts' default symbol costs several elements per point, too many for a day of minutes. */
function dotShape(props: unknown) {
  const { cx, cy, fill } = props as { cx: number; cy: number; fill: string }
  return <circle cx={cx} cy={cy} r={2.5} fill={fill} fillOpacity={0.7} />
}

/** Fig. 7 of the paper: each gain against the played LAeq of the same interval, with its fit line and r. */
export function CorrelationScatter({
  analysis,
  height = 320,
}: {
  analysis: AnalysisResult
  height?: number
}) {
  const xs = analysis.pairs.map((p) => p.laeq)
  const xLabel = measureLabel('laeq', analysis.alignment.weighting, analysis.calibrationDb !== null)
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)]
  return (
    <figure className="chart" aria-label="Gain against LAeq">
      <ResponsiveContainer width="100%" height={height}>
        <ScatterChart margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="x"
            type="number"
            domain={['auto', 'auto']}
            name="LAeq"
            label={{ value: xLabel, position: 'insideBottom', offset: -8 }}
          />
          <YAxis
            dataKey="y"
            type="number"
            domain={['auto', 'auto']}
            name="gain"
            width={56}
            label={{ value: 'Gain (dB)', angle: -90, position: 'insideLeft', offset: 0 }}
          />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(1) : v)} />
          <Legend verticalAlign="top" />
          {(['max', 'mean', 'min'] as GainKey[]).map((k) => {
            const stat = analysis.laeq.pearson[k]
            const data = analysis.pairs
              .filter((p) => p[field[k]] !== null)
              .map((p) => ({ x: p.laeq, y: p[field[k]] as number }))
            return (
              <Scatter
                key={k}
                name={`${k} gain (r = ${db(stat?.r, 2)}, n = ${stat?.n ?? 0})`}
                data={data}
                fill={gainColors[k]}
                shape={dotShape}
                isAnimationActive={false}
              />
            )
          })}
          {(['max', 'mean', 'min'] as GainKey[]).map((k) => {
            const fit = analysis.laeq.fits[k]
            if (!fit || fit.slope === null || fit.intercept === null || !Number.isFinite(x0)) return null
            return (
              <ReferenceLine
                key={`fit-${k}`}
                segment={[
                  { x: x0, y: fit.intercept + fit.slope * x0 },
                  { x: x1, y: fit.intercept + fit.slope * x1 },
                ]}
                stroke={gainColors[k]}
                strokeDasharray="6 3"
                ifOverflow="extendDomain"
              />
            )
          })}
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  )
}
