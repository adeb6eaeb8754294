import { SET_TITLES, SHORT_LABELS } from '../../../shared/contract/classify'
import { api } from '../../api'
import { useRequest } from '../../useRequest'
import { ErrorState, Loading } from '../Status'

/** The paper's Table 3 for the chosen data folder and window: minutes and clips per class and set. */
export function DatasetSummary({ data, window }: { data: string; window: number }) {
  const [summary, reload] = useRequest(
    () => api.classifyDataset({ window, ...(data ? { data } : {}) }),
    [data, window],
  )
  if (summary.state === 'loading') return <Loading what="dataset" />
  if (summary.state === 'error') return <ErrorState error={summary.error} onRetry={reload} />
  const { rows } = summary.data
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0)
  return (
    <table aria-label="Minutes and clips per class and set">
      <caption className="muted">
        {summary.data.data} · clips are windows of {summary.data.window} minutes, stride 1
      </caption>
      <thead>
        <tr>
          <th scope="col">Set</th>
          <th scope="col"></th>
          {SHORT_LABELS.map((l) => (
            <th key={l} scope="col">
              {l}
            </th>
          ))}
          <th scope="col">total</th>
        </tr>
      </thead>
      <tbody>
        {rows.flatMap((r) =>
          (['minutes', 'clips'] as const).map((kind) => (
            <tr key={`${r.set}-${kind}`}>
              {kind === 'minutes' && (
                <th scope="row" rowSpan={2}>
                  {SET_TITLES[r.set]}
                </th>
              )}
              <td>{kind}</td>
              {r[kind].map((v, c) => (
                <td key={c}>{v}</td>
              ))}
              <td>{sum(r[kind])}</td>
            </tr>
          )),
        )}
      </tbody>
    </table>
  )
}
