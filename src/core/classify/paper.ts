/**
 * The results the paper reports in Sec. 5.3 ("Are You Really Muted?", PETS 2022; data and code:
 * github.com/wi-pi/VCAMuteButton_PoPETS),
 * as fractions. Only n=3 and n=7 were evaluated on the evaluation sets.
 */
export interface PaperRow {
  window: number
  validationPrecision: number
  eval1: { macroAccuracy: number; meanPrecision: number } | null
  eval2: { macroAccuracy: number; meanPrecision: number } | null
}

export const PAPER_RESULTS: readonly PaperRow[] = [
  {
    window: 3,
    validationPrecision: 0.9226,
    eval1: { macroAccuracy: 0.787, meanPrecision: 0.7935 },
    eval2: { macroAccuracy: 0.7848, meanPrecision: 0.8435 },
  },
  { window: 5, validationPrecision: 0.9298, eval1: null, eval2: null },
  {
    window: 7,
    validationPrecision: 0.9613,
    eval1: { macroAccuracy: 0.7775, meanPrecision: 0.7307 },
    eval2: { macroAccuracy: 0.8903, meanPrecision: 0.8747 },
  },
  { window: 10, validationPrecision: 0.969, eval1: null, eval2: null },
]

export const WINDOW_SIZES = [3, 5, 7, 10] as const
export const BATCH_SIZES = [50, 500, 1000, 1500, 3000] as const
