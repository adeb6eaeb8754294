import { join } from 'node:path'
import { appSettings, type AppSettings } from '../shared/contract/settings'
import { readJsonFile, writeJsonFile } from './json-file'

const fileName = 'settings.json'

/**
 * The preferences in `dir`/settings.json. A missing file holds the defaults; one that does not parse is an
 * error naming it, not silently replaced, so a hand edit gone wrong is noticed and nothing is lost.
 */
export function readSettings(dir: string): AppSettings {
  return readJsonFile(
    join(dir, fileName),
    appSettings,
    () => appSettings.parse({}),
    'fix it or delete it to start from the defaults',
  )
}

/** Changes the preferences the patch names; written to a new file renamed over the old, so a crash keeps one. */
export function updateSettings(dir: string, patch: Partial<AppSettings>): AppSettings {
  const next = appSettings.parse({ ...readSettings(dir), ...patch })
  writeJsonFile(join(dir, fileName), next)
  return next
}
