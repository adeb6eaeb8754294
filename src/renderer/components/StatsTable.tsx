import type { AnalysisResult } from '../../shared/contract/analysis'
import { db } from './charts/format'

function p(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–'
  return v < 1e-4 ? v.toExponential(1) : v.toFixed(4)
}

/** Pearson (with 95% CI) and Spearman of each gain against LAeq and LAFmax. */
export function StatsTable({ analysis }: { analysis: AnalysisResult }) {
  const rows = (['laeq', 'lafmax'] as const).flatMap((level) =>
    (['min', 'mean', 'max'] as const).map((g) => ({ level, g, stats: analysis[level] })),
  )
  return (
    <table className="stats" aria-label="Correlation statistics">
      <thead>
        <tr>
          <th scope="col">Gain</th>
          <th scope="col">Level</th>
          <th scope="col">n</th>
          <th scope="col">Pearson r</th>
          <th scope="col">95% CI</th>
          <th scope="col">p</th>
          <th scope="col">Spearman ρ</th>
          <th scope="col">p</th>
          <th scope="col">Fit (dB per dB)</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ level, g, stats }) => {
          const pe = stats.pearson[g]
          const sp = stats.spearman[g]
          const fit = stats.fits[g]
          return (
            <tr key={`${level}-${g}`}>
              <td>{g}</td>
              <td>{level === 'laeq' ? 'LAeq' : 'LAFmax'}</td>
              <td>{pe?.n ?? 0}</td>
              <td>{db(pe?.r, 3)}</td>
              <td>{pe?.ci ? `[${db(pe.ci[0], 3)}, ${db(pe.ci[1], 3)}]` : '–'}</td>
              <td>{p(pe?.p)}</td>
              <td>{db(sp?.rho, 3)}</td>
              <td>{p(sp?.p)}</td>
              <td>{db(fit?.slope, 3)}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
