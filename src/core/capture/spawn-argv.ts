import { accessSync, constants } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'
import { parse } from 'shell-quote'
import { UserError } from '../errors'

/** Splits a --spawn command line the way a POSIX shell would, without running a shell. */
export function parseSpawnCommand(command: string): string[] {
  const argv: string[] = []
  for (const part of parse(command, (name) => `$${name}`)) {
    if (typeof part !== 'string')
      throw new UserError(
        `--spawn runs one program, not a shell pipeline: remove "${'op' in part ? part.op : 'comment'}" from "${command}" ` +
          '(wrap it in a script to spawn that instead)',
      )
    argv.push(part)
  }
  if (argv.length === 0)
    throw new UserError('--spawn needs a command, e.g. --spawn "curl https://example.org"')
  return argv
}

/** Frida spawns a path, not a name: resolve a bare program name on PATH as a shell would (local device only). */
export function resolveProgram(program: string): string {
  if (isAbsolute(program) || program.includes('/') || program.includes('\\')) return program
  const found = findOnPath(program)
  if (found) return found
  throw new UserError(`cannot find "${program}" on PATH; give its full path to --spawn`, 'not_found')
}

/** The first executable called `program` in a PATH folder, or null. */
export function findOnPath(program: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, program)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this PATH entry
    }
  }
  return null
}
