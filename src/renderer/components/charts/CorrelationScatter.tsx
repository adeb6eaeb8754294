import type { AnalysisResult } from '../../../shared/contract/analysis'
import { measureLabel } from '../../../shared/measures'
import { FitScatter } from './FitScatter'
import { db, gainColors } from './format'

const gains = ['max', 'mean', 'min'] as const
const field = { min: 'audioMinGain', mean: 'audioMeanGain', max: 'audioMaxGain' } as const

/** Fig. 7 of the paper: each gain against the played LAeq of the same interval, with its fit line and r. */
export function CorrelationScatter({
  analysis,
  height = 320,
}: {
  analysis: AnalysisResult
  height?: number
}) {
  return (
    <FitScatter
      label="Gain against LAeq"
      xName="LAeq"
      xLabel={measureLabel('laeq', analysis.alignment.weighting, analysis.calibrationDb !== null)}
      yName="gain"
      yLabel="Gain (dB)"
      height={height}
      series={gains.map((k) => {
        const stat = analysis.laeq.pearson[k]
        return {
          name: `${k} gain (r = ${db(stat?.r, 2)}, n = ${stat?.n ?? 0})`,
          color: gainColors[k],
          points: analysis.pairs
            .filter((p) => p[field[k]] !== null)
            .map((p) => ({ x: p.laeq, y: p[field[k]] as number })),
          fit: analysis.laeq.fits[k],
        }
      })}
    />
  )
}
