/** Shared formatting of the Classifier page. */
export function pct(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`
}

export const SOURCE_NOTE =
  'Data and reported results: Yang et al., “Are You Really Muted?” (PETS 2022), github.com/wi-pi/VCAMuteButton_PoPETS'
