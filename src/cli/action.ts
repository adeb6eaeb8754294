import { UserError } from '../core/errors'

/**
 * Wraps a command's action: a UserError prints its message (which names the fix) and exits 1; anything
 * else is a bug, printed with its stack, exit 2. Successful actions leave the exit code alone.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args)
    } catch (err) {
      if (err instanceof UserError) {
        process.stderr.write(`mutescope: ${err.message}\n`)
        process.exitCode = 1
      } else {
        process.stderr.write(`mutescope: internal error: ${err instanceof Error ? err.stack : String(err)}\n`)
        process.exitCode = 2
      }
    }
  }
}

/** Parses a positive integer CLI argument or fails with a message naming the flag. */
export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n <= 0)
      throw new UserError(`${name} must be a positive whole number, got "${value}"`)
    return n
  }
}

/** Parses a number CLI argument or fails with a message naming the flag. */
export function finiteNumber(name: string) {
  return (value: string): number => {
    const n = Number(value)
    if (value.trim() === '' || !Number.isFinite(n))
      throw new UserError(`${name} must be a number, got "${value}"`)
    return n
  }
}

export function printJsonLine(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n')
}
