import type { CompareResult, GroupKey } from '../../../shared/contract/compare'
import { MEASURES } from '../../../shared/measures'
import { FitScatter } from './FitScatter'
import { db, groupColors } from './format'

export function keyText(key: GroupKey): string {
  return Object.entries(key)
    .map(([f, v]) => `${f} ${v === null || v === '' ? '(none)' : v}`)
    .join(', ')
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
  return (
    <FitScatter
      label={`${gain} gain against ${level} by group`}
      xName={level}
      xLabel={`${level} of the interval (dB)`}
      yName={`${gain} gain`}
      yLabel={`${gain} gain (dB)`}
      height={height}
      series={result.groups.map((g, i) => ({
        name: `${keyText(g.key)} (r = ${db(g.pearson[gain]?.r, 2)}, n = ${g.pearson[gain]?.n ?? 0})`,
        color: groupColors[i % groupColors.length],
        points: g.pairs.filter((p) => p[gain] !== null).map((p) => ({ x: p.level, y: p[gain] as number })),
        fit: g.fits[gain],
      }))}
    />
  )
}
