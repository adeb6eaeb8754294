import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import type { z } from 'zod'
import { errorMessage, UserError } from './errors'

/**
 * A JSON file of the data folder, checked against `schema`. A missing file is `missing`; one that does not
 * parse or check is an error naming it and `fix`, never silently replaced, so a hand edit gone wrong is
 * noticed and nothing is lost.
 */
export function readJsonFile<S extends z.ZodTypeAny>(
  file: string,
  schema: S,
  missing: () => z.infer<S>,
  fix: string,
): z.infer<S> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return missing()
    throw new UserError(`cannot read ${file}: ${errorMessage(err)}`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new UserError(`${file} is not JSON (${errorMessage(err)}); ${fix}`)
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success)
    throw new UserError(
      `${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}; ${fix}`,
    )
  return parsed.data
}

/** Writes `value` owner-only to a new file renamed over the old, so a crash keeps one whole file. */
export function writeJsonFile(file: string, value: unknown): void {
  const partial = `${file}.${process.pid}.tmp`
  writeFileSync(partial, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 })
  chmodSync(partial, 0o600)
  renameSync(partial, file)
}
