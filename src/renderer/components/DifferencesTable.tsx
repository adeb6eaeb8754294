import { db, pText } from './charts/format'

/** One test of r(a) − r(b) for one gain, its sides already in words. */
export interface Difference {
  a: string
  b: string
  gain: string
  z: number | null
  p: number | null
}

/**
 * Fisher z tests between correlations, one row per pair and gain: between the groups of a comparison, or
 * between the devices of one session.
 */
export function DifferencesTable({
  label,
  caption,
  side,
  rows,
}: {
  label: string
  caption: string
  /** What A and B are: "Group", "Device". */
  side: string
  rows: readonly Difference[]
}) {
  if (rows.length === 0) return null
  return (
    <table className="stats" aria-label={label}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{side} A</th>
          <th scope="col">{side} B</th>
          <th scope="col">Gain</th>
          <th scope="col">z</th>
          <th scope="col">p</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={`${d.a}\u0000${d.b}\u0000${d.gain}`}>
            <td>{d.a}</td>
            <td>{d.b}</td>
            <td>{d.gain}</td>
            <td>{db(d.z, 2)}</td>
            <td>{pText(d.p)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
