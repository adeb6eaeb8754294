import type { SetMetrics } from '../../shared/contract/classify'
import { CLASS_NAMES, NUM_CLASSES } from './labels'

export type { SetMetrics }

export function confusionCounts(truth: ArrayLike<number>, predicted: ArrayLike<number>): number[][] {
  const m = Array.from({ length: NUM_CLASSES }, () => new Array<number>(NUM_CLASSES).fill(0))
  for (let i = 0; i < truth.length; i++) m[truth[i]][predicted[i]]++
  return m
}

export function setMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>): SetMetrics {
  const counts = confusionCounts(truth, predicted)
  const support = counts.map((row) => row.reduce((a, b) => a + b, 0))
  const predictedCount = counts[0].map((_, c) => counts.reduce((a, row) => a + row[c], 0))
  const total = truth.length
  const correct = counts.reduce((a, row, c) => a + row[c], 0)
  const perClass = CLASS_NAMES.map((label, c) => ({
    label,
    precision: predictedCount[c] > 0 ? counts[c][c] / predictedCount[c] : 0,
    accuracy: support[c] > 0 ? counts[c][c] / support[c] : null,
  }))
  const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)
  const seen = perClass.filter((_, c) => support[c] > 0 || predictedCount[c] > 0)
  return {
    windows: total,
    accuracy: total > 0 ? correct / total : 0,
    weightedPrecision: total > 0 ? perClass.reduce((a, m, c) => a + m.precision * support[c], 0) / total : 0,
    macroAccuracy: mean(perClass.flatMap((m) => (m.accuracy === null ? [] : [m.accuracy]))),
    meanPrecision: mean(seen.map((m) => m.precision)),
    perClass,
    counts,
    confusion: counts.map((row, c) => row.map((v) => (support[c] > 0 ? v / support[c] : 0))),
  }
}

/** The authors' checkpoint criterion on the validation set: (weighted precision + accuracy) / 2. */
export function checkpointScore(m: SetMetrics): number {
  return (m.weightedPrecision + m.accuracy) / 2
}
