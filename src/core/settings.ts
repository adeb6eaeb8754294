import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { appSettings, type AppSettings } from '../shared/contract/settings'
import { errorMessage, UserError } from './errors'

const fileName = 'settings.json'

/**
 * The preferences in `dir`/settings.json. A missing file holds the defaults; one that does not parse is an
 * error naming it, not silently replaced, so a hand edit gone wrong is noticed and nothing is lost.
 */
export function readSettings(dir: string): AppSettings {
  const file = join(dir, fileName)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return appSettings.parse({})
    throw new UserError(`cannot read ${file}: ${errorMessage(err)}`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new UserError(
      `${file} is not JSON (${errorMessage(err)}); fix it or delete it to start from the defaults`,
    )
  }
  const parsed = appSettings.safeParse(raw)
  if (!parsed.success)
    throw new UserError(
      `${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}; ` +
        'fix it or delete it to start from the defaults',
    )
  return parsed.data
}

/** Changes the preferences the patch names; written to a new file renamed over the old, so a crash keeps one. */
export function updateSettings(dir: string, patch: Partial<AppSettings>): AppSettings {
  const next = appSettings.parse({ ...readSettings(dir), ...patch })
  const file = join(dir, fileName)
  const partial = `${file}.${process.pid}.tmp`
  writeFileSync(partial, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 })
  chmodSync(partial, 0o600)
  renameSync(partial, file)
  return next
}
