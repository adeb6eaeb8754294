// Where the electron package's binary is, or null: it is absent where its download was skipped or failed.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

export function electronBinary() {
  try {
    const dir = dirname(require.resolve('electron/package.json'))
    const pathFile = join(dir, 'path.txt')
    if (!existsSync(pathFile)) return null
    const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
    return existsSync(bin) ? bin : null
  } catch {
    return null
  }
}
