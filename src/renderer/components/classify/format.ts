/** Shared formatting of the Classifier page. */
export function pct(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`
}

export const SET_TITLES = {
  dev: 'Development (new videos, 10/25/50 cm)',
  eval1: 'Evaluation 1 (other videos, 10/25/50 cm)',
  eval2: 'Evaluation 2 (100 cm)',
} as const

export const SHORT_LABELS = ['music', 'cook/eat', 'talking', 'dog', 'keyboard', 'cleaning'] as const

export const SOURCE_NOTE =
  'Data and reported results: Yang et al., “Are You Really Muted?” (PETS 2022), github.com/wi-pi/VCAMuteButton_PoPETS'
