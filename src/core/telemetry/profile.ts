import { closeSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { z } from 'zod'
import { errorMessage, UserError } from '../errors'
import { dataDir, resourcePath } from '../paths'
import { openRegularFile } from '../regular-file'
import type { ProfileInfo } from '../../shared/contract/telemetry'
import { parsePath, type Step } from './json-path'
import { compilePathPattern, type PathPattern } from './path-pattern'

/** Profiles are small JSON files; anything larger (or a device, a FIFO) is refused before reading. */
const maxProfileBytes = 1024 * 1024

const path = z
  .string()
  .refine((p) => parsePath(p) !== null, { message: 'not a path like "a.b[*].c" or "a[0]"' })
/** A field is read relative to the innermost `each` scope, or to the scope numbered `scope` (0 = outermost). */
const fieldRef = z.union([path, z.object({ scope: z.number().int().min(0), path }).strict()])

export const profileSchema = z
  .object({
    name: z.string().min(1).max(100),
    description: z.string().max(2000).default(''),
    /** How often the app reports, in seconds; null when it is not known. */
    intervalS: z.number().positive().max(86_400).nullable().default(null),
    /** Only requests matching these are decoded (method exactly, path as a regular expression, RE2 syntax). */
    match: z
      .object({
        method: z.string().optional(),
        path: z
          .string()
          .superRefine((p, ctx) => {
            const compiled = compilePathPattern(p)
            if (typeof compiled === 'string') ctx.addIssue({ code: 'custom', message: compiled })
          })
          .optional(),
      })
      .strict()
      .default({}),
    extract: z.discriminatedUnion('kind', [
      z
        .object({
          /** One record per value reached through all `each` paths, the later ones relative to the earlier. */
          kind: z.literal('records'),
          each: z.array(path).min(1).max(10),
          /** ISO 8601 text, or a number of ms (≥ 1e12) or s since the epoch; otherwise the capture time. */
          time: fieldRef.optional(),
          fields: z.record(z.string().min(1), fieldRef),
        })
        .strict(),
      z
        .object({
          /** One record per document whose fields are all its numeric leaves, keyed by their paths. */
          kind: z.literal('numericLeaves'),
        })
        .strict(),
    ]),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.extract.kind !== 'records') return
    const scopes = p.extract.each.length
    const refs = [...Object.values(p.extract.fields), ...(p.extract.time ? [p.extract.time] : [])]
    for (const r of refs)
      if (typeof r === 'object' && r.scope >= scopes)
        ctx.addIssue({
          code: 'custom',
          message: `scope ${r.scope} does not exist: "each" has ${scopes} path(s)`,
        })
  })

export type ProfileData = z.infer<typeof profileSchema>

interface FieldSel {
  scope: number
  steps: Step[]
}

/** A validated profile with its paths parsed. */
export interface Profile {
  data: ProfileData
  methods: string | undefined
  pathPattern: PathPattern | undefined
  extract:
    | { kind: 'records'; each: Step[][]; time: FieldSel | undefined; fields: [string, FieldSel][] }
    | { kind: 'numericLeaves' }
}

export function compileProfile(raw: unknown, source: string): Profile {
  const parsed = profileSchema.safeParse(raw)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')
    throw new UserError(
      `profile ${source} is invalid: ${issues}; fix the file (see resources/profiles/webex.json)`,
    )
  }
  const data = parsed.data
  const e = data.extract
  const sel = (r: string | { scope: number; path: string }, innermost: number): FieldSel =>
    typeof r === 'string'
      ? { scope: innermost, steps: parsePath(r)! }
      : { scope: r.scope, steps: parsePath(r.path)! }
  return {
    data,
    methods: data.match.method?.toUpperCase(),
    pathPattern:
      data.match.path === undefined ? undefined : (compilePathPattern(data.match.path) as PathPattern),
    extract:
      e.kind === 'numericLeaves'
        ? e
        : {
            kind: 'records',
            each: e.each.map((p) => parsePath(p)!),
            time: e.time === undefined ? undefined : sel(e.time, e.each.length - 1),
            fields: Object.entries(e.fields).map(([k, r]) => [k, sel(r, e.each.length - 1)]),
          },
  }
}

/**
 * Whether a request may carry the profile's telemetry. An unknown method or path (null: HTTP/2 headers that
 * referred to what was sent before the capture attached) does not rule it out for a `records` profile, whose
 * `each` paths and fields only a body of its own shape yields; a `numericLeaves` profile would take any body.
 */
export function requestMatches(p: Profile, method: string | null, path: string | null): boolean {
  const bodyDecides = p.extract.kind === 'records'
  if (p.methods !== undefined && (method === null ? !bodyDecides : method !== p.methods)) return false
  return !p.pathPattern || (path === null ? bodyDecides : p.pathPattern.test(path))
}

/** Where users keep their own profiles (besides passing a file path). */
export function userProfileDir(): string {
  return join(dataDir(), 'profiles')
}

/** Profile files by name; a user profile of a built-in's name replaces it. */
function profileFiles(): Map<string, { file: string; builtin: boolean }> {
  const files = new Map<string, { file: string; builtin: boolean }>()
  for (const [dir, builtin] of [
    [resourcePath('profiles'), true],
    [userProfileDir(), false],
  ] as const) {
    if (!existsSync(dir)) continue
    for (const f of readdirSync(dir))
      if (f.endsWith('.json')) files.set(basename(f, '.json'), { file: join(dir, f), builtin })
  }
  return files
}

/** Every known profile with what a picker shows; an invalid user profile is listed with its error. */
export function listProfiles(): ProfileInfo[] {
  return [...profileFiles()].map(([name, { file, builtin }]) => {
    try {
      const p = loadProfileFile(file)
      return {
        name,
        file,
        builtin,
        description: p.data.description,
        intervalS: p.data.intervalS,
        kind: p.extract.kind,
        error: null,
      }
    } catch (err) {
      return { name, file, builtin, description: '', intervalS: null, kind: null, error: errorMessage(err) }
    }
  })
}

/** Names of the built-in and user profiles. */
export function profileNames(): string[] {
  return [...profileFiles().keys()].sort()
}

/** Loads a profile by name (built-in or in the user profile folder) or from a JSON file path. */
export function loadProfile(nameOrPath: string): Profile {
  const file = profileFiles().get(nameOrPath)?.file ?? (existsSync(nameOrPath) ? nameOrPath : undefined)
  if (!file)
    throw new UserError(
      `no profile "${nameOrPath}": use one of ${profileNames().join(', ')}, a profile in ${userProfileDir()}, or a path to a profile JSON file`,
    )
  return loadProfileFile(file)
}

function loadProfileFile(file: string): Profile {
  const fix = 'give a profile JSON file of at most 1 MiB (see resources/profiles/webex.json)'
  const { fd } = openRegularFile(file, { what: 'profile', fix, maxBytes: maxProfileBytes })
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(fd, 'utf8'))
  } catch (err) {
    throw new UserError(`cannot read profile ${file}: ${(err as Error).message}; it must be a JSON file`)
  } finally {
    closeSync(fd)
  }
  return compileProfile(raw, file)
}
