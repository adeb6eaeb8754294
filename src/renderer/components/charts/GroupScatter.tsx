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
import type { CompareGroup, CompareResult, GroupKey } from '../../../shared/contract/compare'
import { MEASURES } from '../../../shared/measures'
import { db } from './format'

/** Distinct colours for up to eight groups (then they repeat). */
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

export function keyText(key: GroupKey): string {
  return Object.entries(key)
    .map(([f, v]) => `${f} ${v === null || v === '' ? '(none)' : v}`)
    .join(', ')
}

function dotShape(props: unknown) {
  const { cx, cy, fill } = props as { cx: number; cy: number; fill: string }
  return <circle cx={cx} cy={cy} r={2.5} fill={fill} fillOpacity={0.75} />
}

/** One gain against the played level, every group overlaid in its colour with its pooled fit line and r. */
export function GroupScatter({
  result,
  gain,
  height = 380,
}: {
  result: CompareResult
  gain: 'min' | 'mean' | 'max'
  height?: number
}) {
  const level = MEASURES[result.level].name('A')
  const points = (g: CompareGroup) =>
    g.pairs.filter((p) => p[gain] !== null).map((p) => ({ x: p.level, y: p[gain] as number }))
  return (
    <figure className="chart" aria-label={`${gain} gain against ${level} by group`}>
      <ResponsiveContainer width="100%" height={height}>
        <ScatterChart margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="x"
            type="number"
            domain={['auto', 'auto']}
            name={level}
            label={{ value: `${level} of the interval (dB)`, position: 'insideBottom', offset: -8 }}
          />
          <YAxis
            dataKey="y"
            type="number"
            domain={['auto', 'auto']}
            name={`${gain} gain`}
            width={56}
            label={{ value: `${gain} gain (dB)`, angle: -90, position: 'insideLeft', offset: 0 }}
          />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(1) : v)} />
          <Legend verticalAlign="top" />
          {result.groups.map((g, i) => (
            <Scatter
              key={JSON.stringify(g.key)}
              name={`${keyText(g.key)} (r = ${db(g.pearson[gain]?.r, 2)}, n = ${g.pearson[gain]?.n ?? 0})`}
              data={points(g)}
              fill={groupColors[i % groupColors.length]}
              shape={dotShape}
              isAnimationActive={false}
            />
          ))}
          {result.groups.map((g, i) => {
            const fit = g.fits[gain]
            const xs = points(g).map((p) => p.x)
            if (!fit || xs.length === 0) return null
            const [x0, x1] = [Math.min(...xs), Math.max(...xs)]
            return (
              <ReferenceLine
                key={`fit-${JSON.stringify(g.key)}`}
                segment={[
                  { x: x0, y: fit.intercept + fit.slope * x0 },
                  { x: x1, y: fit.intercept + fit.slope * x1 },
                ]}
                stroke={groupColors[i % groupColors.length]}
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
