import { accessSync, closeSync, constants, openSync, readSync } from 'node:fs'
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

/**
 * Frida spawns executables, not scripts ("unable to parse executable"): a script with a `#!` line is
 * spawned through its interpreter, as the kernel would run it (Debian's /usr/bin/chromium is one). The
 * program it exec()s is attached once it has started.
 */
export function spawnableArgv(argv: string[]): string[] {
  let head: Buffer
  try {
    const fd = openSync(argv[0], 'r')
    try {
      head = Buffer.alloc(256)
      head = head.subarray(0, readSync(fd, head, 0, head.length, 0))
    } finally {
      closeSync(fd)
    }
  } catch {
    return argv
  }
  if (head[0] !== 0x23 || head[1] !== 0x21) return argv
  const line = head.toString('latin1', 2).split('\n')[0].trim()
  const [interpreter, ...rest] = line.split(/\s+/)
  if (!interpreter) return argv
  // The kernel passes everything after the interpreter as one argument.
  return [interpreter, ...(rest.length > 0 ? [rest.join(' ')] : []), ...argv]
}

/** A --spawn command line as Frida should get it: split, and on this computer resolved on PATH and run as a script needs. */
export function spawnArgv(command: string, host: string | null): string[] {
  const argv = parseSpawnCommand(command)
  return host ? argv : spawnableArgv([resolveProgram(argv[0]), ...argv.slice(1)])
}
