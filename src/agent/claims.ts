/**
 * The Windows APIs are reported when they are entered (windows-calls.ts says why), so a call under them
 * cannot be told apart by scope: WinHttpWriteData's body passes through EncryptMessage, and under Wine
 * EncryptMessage's through the host's gnutls_record_send, all on the app's thread. A call that is entered
 * claims its bytes on its thread; a call made under it that carries the same bytes is that call's own, and is
 * not counted again. The app's call names the capture; the calls under it only move its bytes on.
 */

interface Claim {
  /** The claimant's plaintext as captured (the cap may have cut it). */
  bytes: Uint8Array
  size: number
  /** Bytes already carried by calls under it. */
  used: number
  since: number
  /**
   * Sends the claimant's capture, when it waits to go out with the call that carries its bytes (a request
   * body goes out after the headers WinHTTP writes first); null once sent.
   */
  pending: (() => void) | null
}

/** Per thread, outermost first. */
const claims = new Map<number, Claim[]>()
const maxDepth = 8
/** A claim nothing carried within this time is over (a capture waiting for its carrier goes out then). */
const maxAgeMs = 200

function send(c: Claim): void {
  const pending = c.pending
  c.pending = null
  pending?.()
}

/** `bytes` (`size` in all) entered a call on `thread`; `pending` sends its capture once they are carried. */
export function claim(thread: number, bytes: Uint8Array, size: number, pending: (() => void) | null): void {
  let stack = claims.get(thread)
  if (!stack) claims.set(thread, (stack = []))
  if (stack.length >= maxDepth) send(stack.shift()!)
  stack.push({ bytes, size, used: 0, since: Date.now(), pending })
}

/** True when the next bytes `c` expects start with `bytes` (as far as both were captured). */
function continues(c: Claim, bytes: Uint8Array, size: number): boolean {
  if (c.used + size > c.size) return false
  const n = Math.min(bytes.length, c.bytes.length - c.used)
  for (let i = 0; i < n; i++) if (c.bytes[c.used + i] !== bytes[i]) return false
  return true
}

/**
 * Whether a call on `thread` with plaintext `bytes` (`size` in all) carries bytes a call it was made under
 * claimed: then they are that call's (whose capture goes out now if it waited) and this one reports nothing.
 */
export function carried(thread: number, bytes: Uint8Array, size: number): boolean {
  const stack = claims.get(thread)
  if (!stack) return false
  for (let i = stack.length - 1; i >= 0; i--) {
    const c = stack[i]
    if (!continues(c, bytes, size)) continue
    c.used += size
    send(c)
    // What was entered under it is over (a capture it kept waiting goes out); so is the claim once all its
    // bytes went on.
    const keep = c.used >= c.size ? i : i + 1
    for (const over of stack.splice(keep)) if (over !== c) send(over)
    if (stack.length === 0) claims.delete(thread)
    return true
  }
  return false
}

/** True when some call on `thread` claimed bytes (a cheap test before copying a buffer to compare). */
export function hasClaims(thread: number): boolean {
  return claims.has(thread)
}

/** Ends the claims nothing carried for a while; a capture that waited for its carrier goes out now. */
export function expireClaims(now = Date.now()): void {
  for (const [thread, stack] of claims) {
    while (stack.length > 0 && now - stack[0].since >= maxAgeMs) send(stack.shift()!)
    if (stack.length === 0) claims.delete(thread)
  }
}
