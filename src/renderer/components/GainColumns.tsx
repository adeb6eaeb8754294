import { gainName } from '../../shared/contract/analysis'

/** A stats table's header cells for the three gains, each given as Pearson r [95% CI], p (see pearsonText). */
export function GainColumns() {
  return (
    <>
      {gainName.options.map((g) => (
        <th key={g} scope="col">
          {g} gain: r [95% CI], p
        </th>
      ))}
    </>
  )
}
