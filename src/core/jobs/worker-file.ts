import { existsSync } from 'node:fs'
import { UserError } from '../errors'
import { outPath } from '../paths'

/**
 * The job worker's entry, a bundle of its own: out/main/job-worker.js under Electron (inside app.asar when
 * packaged: Electron's worker threads read the archive), out/cli/job-worker.cjs under plain Node (the CLI,
 * web mode, and the tests and benches, which build it first), since a worker cannot load TypeScript.
 */
export function workerFile(): string {
  const file = process.versions.electron ? outPath('main', 'job-worker.js') : outPath('cli', 'job-worker.cjs')
  if (!existsSync(file))
    throw new UserError(`the job worker ${file} is missing; run "npm run build" in the MuteScope folder`)
  return file
}
