import type { AnalysisResult } from '../../shared/contract/analysis'
import {
  ALIGN_METHOD_NAMES,
  LEVEL_MEASURES,
  MEASURE_FAMILIES,
  MEASURES,
  measureUnit,
} from '../../shared/measures'
import { db } from './charts/format'

function p(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–'
  return v < 1e-4 ? v.toExponential(1) : v.toFixed(4)
}

/**
 * Pearson (with 95% CI) and Spearman of each gain against every measure of the played audio: the IEC 61672
 * levels and the paper's own magnitudes side by side, each named for what it is, with its unit.
 */
export function StatsTable({ analysis }: { analysis: AnalysisResult }) {
  const calibrated = analysis.calibrationDb !== null
  const w = analysis.alignment.weighting
  const rows = LEVEL_MEASURES.filter((m) => analysis[m].n > 0).flatMap((level) =>
    (['min', 'mean', 'max'] as const).map((g) => ({ level, g, stats: analysis[level] })),
  )
  const missing = LEVEL_MEASURES.filter((m) => analysis[m].n === 0)
  return (
    <>
      <table className="stats" aria-label="Correlation statistics">
        <caption className="muted">
          Windows: {ALIGN_METHOD_NAMES[analysis.alignment.method]}, {analysis.alignment.intervalS} s each.{' '}
          {calibrated
            ? `Calibrated: ${analysis.calibrationDb} dB added to every level.`
            : 'Not calibrated: levels in dB re digital full scale.'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Gain</th>
            <th scope="col">Against</th>
            <th scope="col">Unit</th>
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
            const m = MEASURES[level]
            return (
              <tr key={`${level}-${g}`}>
                <td>{g}</td>
                <td title={m.description}>
                  {m.name(w)} <span className="muted">({MEASURE_FAMILIES[m.method]})</span>
                </td>
                <td>{measureUnit(level, w, calibrated)}</td>
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
      {missing.length > 0 && (
        <p className="muted">
          Not recorded in this session: {missing.map((m) => MEASURES[m].name(w)).join(', ')} (sessions
          recorded before MuteScope kept the sample magnitudes lack the paper&apos;s measures).
        </p>
      )}
    </>
  )
}
