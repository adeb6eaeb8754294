import { CLASS_NAMES, NUM_CLASSES } from './labels'

export interface ClassMetrics {
  label: string
  /** Share of windows predicted as this class that are this class; 0 when none were predicted (as sklearn). */
  precision: number
  /** Share of this class's windows predicted correctly (the authors' per-class "accuracy"); null if absent. */
  accuracy: number | null
}

export interface SetMetrics {
  windows: number
  /** Overall share of windows predicted correctly. */
  accuracy: number
  /** Precision weighted by class support (sklearn's average='weighted'): the paper's validation precision. */
  weightedPrecision: number
  /** Mean of the per-class accuracies over the classes present. */
  macroAccuracy: number
  /** Mean of the per-class precisions over the classes present or predicted (sklearn's label set). */
  meanPrecision: number
  perClass: ClassMetrics[]
  /** Counts, rows = true class, columns = predicted class. */
  counts: number[][]
  /** Rows normalised to sum to 1 (zeros for a class with no windows). */
  confusion: number[][]
}

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
