import type { ModelSummary } from '../../../shared/contract/classify'
import { pct } from './format'

/** Saved models (data directory), newest first; one can be opened or deleted. */
export function ModelsList({
  models,
  selected,
  onSelect,
  onDelete,
}: {
  models: ModelSummary[]
  selected: string | null
  onSelect: (id: string) => void
  onDelete: (id: string) => void
}) {
  return (
    <table aria-label="Saved models">
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col">Trained</th>
          <th scope="col">n</th>
          <th scope="col">Batch</th>
          <th scope="col">Seed</th>
          <th scope="col">Split</th>
          <th scope="col">Validation precision</th>
          <th scope="col">Eval 1 macro acc.</th>
          <th scope="col">Eval 2 macro acc.</th>
          <th scope="col"></th>
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <tr key={m.id} aria-selected={m.id === selected}>
            <th scope="row">
              <button type="button" className="link" onClick={() => onSelect(m.id)}>
                {m.id}
              </button>
            </th>
            <td>{new Date(m.createdAt).toLocaleString()}</td>
            <td>{m.window}</td>
            <td>{m.batch}</td>
            <td>{m.seed}</td>
            <td>{m.split}</td>
            <td>{pct(m.validation.weightedPrecision)}</td>
            <td>{pct(m.eval1.macroAccuracy)}</td>
            <td>{pct(m.eval2.macroAccuracy)}</td>
            <td>
              <button type="button" className="danger" onClick={() => onDelete(m.id)}>
                Delete
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
