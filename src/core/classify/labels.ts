import { CLASS_NAMES } from '../../shared/contract/classify'
import { UserError } from '../errors'

export { CLASS_NAMES }
export const NUM_CLASSES = CLASS_NAMES.length

/** One rule of a label mapping: a source whose name contains any of `contains` gets class `index`. */
export interface LabelRule {
  index: number
  contains: string[]
}

/**
 * The authors' parser, rule for rule and in its order: the first rule that matches wins, anything else is
 * ignored (e.g. `punk_music*`, and `key_board3`, whose name lacks "keyboard").
 */
export const AUTHORS_LABEL_MAPPING: readonly LabelRule[] = [
  { index: 0, contains: ['classical_music'] },
  { index: 1, contains: ['cooking', 'eating'] },
  { index: 2, contains: ['crowd_talking'] },
  { index: 3, contains: ['dog_barking'] },
  { index: 4, contains: ['keyboard'] },
  { index: 5, contains: ['vaccume', 'cleaning'] },
]

/** Class index of a source name (file name or session activity), or null when no rule matches. */
export function labelOf(name: string, mapping: readonly LabelRule[] = AUTHORS_LABEL_MAPPING): number | null {
  for (const rule of mapping) if (rule.contains.some((s) => name.includes(s))) return rule.index
  return null
}

/**
 * A session's activity label: a class name ("dog barking"), its index, or anything the mapping matches
 * ("dog_barking3.wav"). Throws when nothing does, naming the accepted labels.
 */
export function sessionLabel(
  activity: string,
  mapping: readonly LabelRule[] = AUTHORS_LABEL_MAPPING,
): number {
  const a = activity.trim().toLowerCase()
  const byName = CLASS_NAMES.findIndex((c) => c === a)
  if (byName >= 0) return byName
  if (/^[0-5]$/.test(a)) return Number(a)
  const byRule = labelOf(a.replace(/ /g, '_'), mapping)
  if (byRule !== null) return byRule
  throw new UserError(
    `unknown activity label "${activity}"; use one of: ${CLASS_NAMES.join(', ')} ` +
      `(set it with the session's activity field)`,
    'unknown_label',
  )
}

/** Parses a label mapping given as JSON: `[{"index": 0, "contains": ["classical_music"]}, ...]`. */
export function parseLabelMapping(json: string): LabelRule[] {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch (err) {
    throw new UserError(`the label mapping is not valid JSON (${(err as Error).message})`)
  }
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (r: unknown) =>
        typeof r === 'object' &&
        r !== null &&
        Number.isInteger((r as LabelRule).index) &&
        (r as LabelRule).index >= 0 &&
        (r as LabelRule).index < NUM_CLASSES &&
        Array.isArray((r as LabelRule).contains) &&
        (r as LabelRule).contains.every((s) => typeof s === 'string' && s.length > 0),
    )
  if (!ok) {
    throw new UserError(
      `the label mapping must be a non-empty array of {"index": 0..${NUM_CLASSES - 1}, "contains": ["text", ...]}`,
    )
  }
  return value as LabelRule[]
}
