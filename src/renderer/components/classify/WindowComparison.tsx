import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { PAPER_RESULTS, type ModelSummary } from '../../../shared/contract/classify'
import { pct } from './format'

interface Group {
  key: string
  window: number
  split: string
  seeds: number[]
  valPrecision: number
  eval1: number
  eval2: number
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length
}

/** Saved models grouped by window size and split, averaged over their seeds, beside the paper. */
export function WindowComparison({ models }: { models: ModelSummary[] }) {
  const groups = new Map<string, ModelSummary[]>()
  for (const m of models) {
    const key = `n=${m.window} ${m.split}`
    groups.set(key, [...(groups.get(key) ?? []), m])
  }
  const rows: Group[] = [...groups.entries()]
    .map(([key, ms]) => ({
      key,
      window: ms[0].window,
      split: ms[0].split,
      seeds: ms.map((m) => m.seed).sort((a, b) => a - b),
      valPrecision: mean(ms.map((m) => m.validation.weightedPrecision)),
      eval1: mean(ms.map((m) => m.eval1.macroAccuracy)),
      eval2: mean(ms.map((m) => m.eval2.macroAccuracy)),
    }))
    .sort((a, b) => a.window - b.window || a.split.localeCompare(b.split))
  const chart = rows.map((r) => ({
    key: r.key,
    validation: r.valPrecision * 100,
    'eval 1': r.eval1 * 100,
    'eval 2': r.eval2 * 100,
  }))
  return (
    <>
      <figure
        className="chart"
        aria-label="Validation precision and evaluation macro accuracy per window size"
      >
        <ResponsiveContainer width="100%" height={240}>
          <BarChart data={chart} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="key" />
            <YAxis domain={[0, 100]} unit="%" />
            <Tooltip formatter={(v) => (typeof v === 'number' ? `${v.toFixed(2)}%` : v)} />
            <Legend verticalAlign="top" />
            <Bar dataKey="validation" fill="#2e7d32" isAnimationActive={false} />
            <Bar dataKey="eval 1" fill="#2557d6" isAnimationActive={false} />
            <Bar dataKey="eval 2" fill="#8e5bd6" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </figure>
      <table aria-label="Comparison across window sizes">
        <thead>
          <tr>
            <th scope="col">Window, split</th>
            <th scope="col">Seeds</th>
            <th scope="col">Validation precision (paper)</th>
            <th scope="col">Eval 1 macro accuracy (paper)</th>
            <th scope="col">Eval 2 macro accuracy (paper)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const paper = PAPER_RESULTS.find((p) => p.window === r.window)
            return (
              <tr key={r.key}>
                <th scope="row">{r.key}</th>
                <td>{r.seeds.join(', ')}</td>
                <td>
                  {pct(r.valPrecision)} ({pct(paper?.validationPrecision)})
                </td>
                <td>
                  {pct(r.eval1)} ({pct(paper?.eval1?.macroAccuracy)})
                </td>
                <td>
                  {pct(r.eval2)} ({pct(paper?.eval2?.macroAccuracy)})
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </>
  )
}
