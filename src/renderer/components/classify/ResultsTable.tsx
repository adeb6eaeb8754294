import { PAPER_RESULTS, SET_TITLES, type ModelSummary } from '../../../shared/contract/classify'
import { ConfusionHeatmap } from './ConfusionHeatmap'
import { pct } from './format'

/** One model's results beside the paper's reported numbers, per-class metrics and confusion heatmaps. */
export function ResultsTable({ model }: { model: ModelSummary }) {
  const paper = PAPER_RESULTS.find((r) => r.window === model.window)
  const rows: [string, number, number | undefined][] = [
    ['Validation precision (weighted)', model.validation.weightedPrecision, paper?.validationPrecision],
    ['Validation accuracy', model.validation.accuracy, undefined],
    ['Evaluation 1 macro accuracy', model.eval1.macroAccuracy, paper?.eval1?.macroAccuracy],
    ['Evaluation 1 mean per-class precision', model.eval1.meanPrecision, paper?.eval1?.meanPrecision],
    ['Evaluation 2 macro accuracy', model.eval2.macroAccuracy, paper?.eval2?.macroAccuracy],
    ['Evaluation 2 mean per-class precision', model.eval2.meanPrecision, paper?.eval2?.meanPrecision],
  ]
  const sets = [
    [SET_TITLES.validation, model.validation],
    [SET_TITLES.eval1, model.eval1],
    [SET_TITLES.eval2, model.eval2],
  ] as const
  return (
    <>
      <table aria-label="Results beside the paper">
        <caption className="muted">
          n = {model.window}, batch {model.batch}, seed {model.seed}, {model.split} split, kept epoch{' '}
          {model.bestEpoch} of {model.epochs}, {model.trainSeconds.toFixed(1)} s on {model.backend}
        </caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">This model</th>
            <th scope="col">Paper</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, ours, theirs]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{pct(ours)}</td>
              <td>{pct(theirs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table aria-label="Per-class precision and accuracy">
        <thead>
          <tr>
            <th scope="col">Class</th>
            {sets.map(([title]) => (
              <th key={title} scope="col" colSpan={2}>
                {title}
              </th>
            ))}
          </tr>
          <tr>
            <th scope="col"></th>
            {sets.flatMap(([title]) => [
              <th key={`${title}-p`} scope="col">
                precision
              </th>,
              <th key={`${title}-a`} scope="col">
                accuracy
              </th>,
            ])}
          </tr>
        </thead>
        <tbody>
          {model.validation.perClass.map((c, i) => (
            <tr key={c.label}>
              <th scope="row">{c.label}</th>
              {sets.flatMap(([title, m]) => [
                <td key={`${title}-p`}>{pct(m.perClass[i].precision)}</td>,
                <td key={`${title}-a`}>{pct(m.perClass[i].accuracy)}</td>,
              ])}
            </tr>
          ))}
        </tbody>
      </table>
      <div
        style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(34rem, 1fr))', gap: '1rem' }}
      >
        {sets.map(([title, m]) => (
          <ConfusionHeatmap key={title} title={title} confusion={m.confusion} />
        ))}
      </div>
    </>
  )
}
