import { UserError } from '../errors'

/**
 * Resolves as `work` does, or fails after `ms` with a message saying what did not finish: a call into Frida
 * that never answers (a target frozen mid-attach) must not freeze the capture with it. What `work` yields
 * after that goes to `late`, so that nothing attached is left behind unseen.
 */
export function within<T>(work: Promise<T>, ms: number, what: string, late?: (value: T) => void): Promise<T> {
  let timedOut = false
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      timedOut = true
      reject(
        new UserError(`${what} did not finish within ${ms / 1000} s; the process may be frozen`, 'timeout'),
      )
    }, ms)
    work.then(
      (value) => {
        clearTimeout(timer)
        if (timedOut) late?.(value)
        else resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        if (!timedOut) reject(err)
      },
    )
  })
}
