import type { CaptureMessage, HookErrorMessage } from './protocol'
import { config } from './state'

function includesBytes(hay: Uint8Array, needle: readonly number[]): boolean {
  const last = hay.length - needle.length
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

/** Sends one capture to the host unless the host's filter excludes it. */
export function emitCapture(meta: CaptureMessage, bytes: ArrayBuffer): void {
  const { peer, contains } = config.filter
  if (peer !== null && (meta.peer === null || !meta.peer.includes(peer))) return
  if (contains !== null && !includesBytes(new Uint8Array(bytes), contains)) return
  send(meta, bytes)
}

const reported = new Set<string>()

/** A failure inside a hook goes to the host (once per function and message), never into the target. */
export function reportHookError(fn: string, module: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err)
  const key = `${module}!${fn}!${message}`
  if (reported.has(key)) return
  reported.add(key)
  const msg: HookErrorMessage = { type: 'hook-error', fn, module, message }
  send(msg)
}
