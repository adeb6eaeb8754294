import { SHORT_LABELS } from '../../../shared/contract/classify'

/** A row-normalised confusion matrix as a heatmap: rows are true classes, columns predicted ones. */
export function ConfusionHeatmap({ title, confusion }: { title: string; confusion: number[][] }) {
  return (
    <table aria-label={`Confusion matrix, ${title}`} style={{ fontSize: '0.8rem' }}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">true \ predicted</th>
          {SHORT_LABELS.map((l) => (
            <th key={l} scope="col">
              {l}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {confusion.map((row, r) => (
          <tr key={r}>
            <th scope="row">{SHORT_LABELS[r]}</th>
            {row.map((v, c) => (
              <td
                key={c}
                style={{
                  background: `rgba(37, 87, 214, ${v.toFixed(3)})`,
                  color: v > 0.5 ? '#fff' : 'inherit',
                }}
                title={`${SHORT_LABELS[r]} predicted as ${SHORT_LABELS[c]}: ${(v * 100).toFixed(1)}%`}
              >
                {(v * 100).toFixed(0)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  )
}
