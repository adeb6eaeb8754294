import type { Json } from './nested'

/** One step of a path: an object key, an array index, or every element of an array (`[*]`). */
export type Step = { key: string } | { index: number } | { all: true }

const stepPattern = /\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[\*\]|\["((?:[^"\\]|\\.)*)"\]/y

/**
 * Parses the small path language of profiles: `telemetrics[*].v.gzipb64data.event`, `a[0]`, `["odd key"]`.
 * Returns null when the text is not a path.
 */
export function parsePath(text: string): Step[] | null {
  const steps: Step[] = []
  stepPattern.lastIndex = 0
  while (stepPattern.lastIndex < text.length) {
    const at = stepPattern.lastIndex
    const m = stepPattern.exec(text)
    if (!m || (at === 0 && text[0] === '.')) return null
    if (m[1] !== undefined) steps.push({ key: m[1] })
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) })
    else if (m[3] !== undefined) steps.push({ key: JSON.parse(`"${m[3]}"`) as string })
    else steps.push({ all: true })
  }
  return steps
}

/** Every value the path reaches, in document order (several where it has `[*]`). */
export function select(value: Json, steps: Step[]): Json[] {
  let current: Json[] = [value]
  for (const step of steps) {
    const next: Json[] = []
    for (const v of current) {
      if ('all' in step) {
        if (Array.isArray(v)) next.push(...v)
      } else if ('index' in step) {
        if (Array.isArray(v) && step.index < v.length) next.push(v[step.index])
      } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, step.key)) {
        next.push(v[step.key])
      }
    }
    current = next
  }
  return current
}

/** How a leaf's path is written: `.key` where the key allows it, `["key"]` otherwise. */
export function keyStep(key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}
