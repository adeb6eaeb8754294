import type { TelemetryRecord } from '../../shared/model'
import { keyStep, select } from './json-path'
import type { DecodeLimits } from './limits'
import type { Json } from './nested'
import { Malformed } from './problem'
import type { Profile } from './profile'

type Scalar = TelemetryRecord['fields'][string]

/** Where a document came from: fills the record's t (when the profile names no time), host, path, conn. */
export interface Origin {
  t: number
  host: string | null
  path: string | null
  conn: string | null
}

/** The records a profile extracts from one (already nested-decoded) document. */
export function extractRecords(
  doc: Json,
  profile: Profile,
  origin: Origin,
  limits: DecodeLimits,
): TelemetryRecord[] {
  const e = profile.extract
  if (e.kind === 'numericLeaves') {
    const fields = numericLeaves(doc, limits.maxLeaves)
    return Object.keys(fields).length === 0 ? [] : [{ ...origin, fields }]
  }
  const out: TelemetryRecord[] = []
  // Each combination of values reached through the `each` paths, outermost first.
  let scopes: Json[][] = [[doc]]
  for (const steps of e.each)
    scopes = scopes.flatMap((chain) => select(chain[chain.length - 1], steps).map((v) => [...chain, v]))
  for (const chain of scopes) {
    const at = (sel: { scope: number; steps: Parameters<typeof select>[1] }): Json | undefined =>
      select(chain[sel.scope + 1], sel.steps)[0]
    const fields: Record<string, Scalar> = {}
    let any = false
    for (const [name, sel] of e.fields) {
      const v = scalar(at(sel))
      fields[name] = v
      any ||= v !== null
    }
    if (!any) continue
    out.push({ ...origin, t: e.time ? toTime(at(e.time), origin.t) : origin.t, fields })
  }
  return out
}

function scalar(v: Json | undefined): Scalar {
  return v === undefined || (typeof v === 'object' && v !== null) ? null : v
}

function toTime(v: Json | undefined, fallback: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v >= 1e12 ? v : v * 1000
  if (typeof v === 'string') {
    const ms = Date.parse(v)
    if (Number.isFinite(ms)) return ms
  }
  return fallback
}

/** Numeric leaves by path, walking iteratively (documents are depth-checked, but leaves can be many). */
function numericLeaves(doc: Json, max: number): Record<string, number> {
  const out: Record<string, number> = {}
  let n = 0
  const stack: [Json, string][] = [[doc, '']]
  while (stack.length > 0) {
    const [v, p] = stack.pop()!
    if (typeof v === 'number') {
      if (++n > max) throw new Malformed('limit', `document has more than ${max} numeric fields; skipped`)
      out[p.startsWith('.') ? p.slice(1) : p] = v
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${p}[${i}]`])
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v)
      for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i][1], p + keyStep(entries[i][0])])
    }
  }
  return out
}
