import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { z } from 'zod'
import type { TlsPatternSet } from '../../agent/pattern-types'
import { hookGroups } from '../../agent/protocol'
import { UserError } from '../errors'
import { dataDir, resourcePath } from '../paths'

/**
 * The locators for statically linked, stripped TLS libraries (resources/tls-patterns/*.json, format in its
 * README). They go to the agent inside every process, so each file is bounded and checked here first.
 */

const maxFileBytes = 256 * 1024
const maxFiles = 32

const note = z.string().max(1000).optional()
const ascii = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x20-\x7e]+$/, 'printable ASCII only')
const fnName = z.string().regex(/^[A-Za-z_]\w{0,127}$/, 'a C function name')

/** Memory.scan syntax: hex bytes or "??", at most 256, starting and ending with a byte; optional ": mask". */
const bytePattern = z
  .string()
  .max(2000)
  .refine(
    (p) => {
      const [bytes, mask] = p.split(' : ')
      const tokens = bytes.split(' ')
      const ok =
        tokens.length <= 256 &&
        tokens.every((t) => /^([0-9a-f]{2}|\?\?)$/i.test(t)) &&
        tokens[0] !== '??' &&
        tokens.at(-1) !== '??'
      return ok && (mask === undefined || mask.split(' ').every((t) => /^[0-9a-f]{2}$/i.test(t)))
    },
    { message: 'not a Memory.scan pattern like "55 48 89 e5 ?? ?? 41 57" (bytes first and last)' },
  )

const locator = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('errors'),
      file: ascii,
      reasons: z.array(z.number().int().min(1).max(4095)).min(1).max(64),
      calls: fnName.optional(),
      candidates: z.number().int().min(1).max(16).optional(),
      pick: z.literal('largest').optional(),
      note,
    })
    .strict(),
  z
    .object({
      kind: z.literal('callee'),
      strings: z.array(ascii).min(1).max(32),
      votes: z.number().int().min(1).max(32),
      note,
    })
    .strict()
    .refine((l) => l.votes <= l.strings.length, { message: 'votes is more than there are strings' }),
  z
    .object({
      kind: z.literal('bytes'),
      arch: z.enum(['x64', 'arm64']),
      pattern: bytePattern,
      offset: z.number().int().min(-4096).max(4096),
      madeFrom: ascii,
      note,
    })
    .strict(),
])

export const tlsPatternSchema = z
  .object({
    library: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'lower-case letters, digits, _ or -'),
    group: z.enum(hookGroups).exclude(['socket']),
    madeFrom: z.string().min(1).max(1000),
    functions: z.record(fnName, z.array(locator).min(1).max(16)),
  })
  .strict()
  .superRefine((set, ctx) => {
    const names = Object.keys(set.functions)
    if (names.length > 64) ctx.addIssue({ code: 'custom', message: 'more than 64 functions' })
    for (const [fn, locators] of Object.entries(set.functions))
      for (const l of locators)
        if (l.kind === 'errors' && l.calls !== undefined && !names.includes(l.calls))
          ctx.addIssue({
            code: 'custom',
            path: ['functions', fn],
            message: `calls "${l.calls}", not in functions`,
          })
  })

/** Where users keep their own pattern files; one named like a built-in replaces it. */
export function userTlsPatternDir(): string {
  return join(dataDir(), 'tls-patterns')
}

function readSet(file: string): TlsPatternSet {
  let raw: unknown
  try {
    if (statSync(file).size > maxFileBytes) throw new Error(`it is larger than ${maxFileBytes} bytes`)
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new UserError(`cannot read TLS pattern file ${file}: ${(err as Error).message}; fix or remove it`)
  }
  const parsed = tlsPatternSchema.safeParse(raw)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')
    throw new UserError(
      `TLS pattern file ${file} is invalid: ${issues}; fix the file (see resources/tls-patterns/README.md)`,
    )
  }
  return parsed.data
}

/** The built-in pattern files and the user's (which come first, so their locators are tried first). */
export function loadTlsPatterns(dirs = [userTlsPatternDir(), resourcePath('tls-patterns')]): TlsPatternSet[] {
  const files = new Map<string, string>()
  for (const dir of [...dirs].reverse()) {
    if (!existsSync(dir)) continue
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.json')) files.set(basename(f), join(dir, f))
  }
  if (files.size > maxFiles)
    throw new UserError(`${files.size} TLS pattern files; keep at most ${maxFiles} in ${dirs.join(' and ')}`)
  const byDir = (file: string) => dirs.findIndex((d) => file.startsWith(join(d, '/')))
  return [...files.values()].sort((a, b) => byDir(a) - byDir(b)).map(readSet)
}
