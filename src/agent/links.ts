import { emitCapture } from './emit'
import type { CaptureMessage } from './protocol'
import { sawPlaintext } from './unseen'

/**
 * Ties plaintext to the TCP connection that carries it. Libraries with a socket BIO name their fd; others
 * (node's memory BIO, Schannel, mbedTLS's callbacks) only reveal it through the socket call that the same
 * thread makes with the ciphertext, during the TLS call or right after it.
 */

export interface Endpoint {
  conn: string
  peer: string
}

type Draft = Omit<CaptureMessage, 'conn' | 'peer'>

interface Waiting {
  ctx: string
  since: number
  items: { meta: Draft; bytes: ArrayBuffer }[]
}

/** Captures not yet tied to a socket wait this long for one before they go out unlinked. */
const maxWaitMs = 200
const maxWaiting = 64

const learned = new Map<string, Endpoint>()
const waiting = new Map<number, Waiting>()
const inside = new Map<number, { ctx: string | null; ep: Endpoint | null }>()

function hostPort(a: SocketEndpointAddress): string | null {
  if (!('ip' in a)) return null
  const ip = a.ip.startsWith('::ffff:') ? a.ip.slice(7) : a.ip
  return ip.includes(':') ? `[${ip}]:${a.port}` : `${ip}:${a.port}`
}

/** The connection behind a file descriptor or Windows SOCKET; null for anything but a connected inet socket. */
export function endpointOf(fd: number): Endpoint | null {
  if (fd < 0) return null
  const type = Socket.type(fd)
  if (type === null || type.startsWith('unix')) return null
  const remote = Socket.peerAddress(fd)
  const local = Socket.localAddress(fd)
  const peer = remote && hostPort(remote)
  if (!peer) return null
  return { conn: `${type}:${(local && hostPort(local)) ?? '?'}>${peer}`, peer }
}

function flush(w: Waiting, ep: Endpoint | null): void {
  sawPlaintext(ep?.conn ?? null)
  for (const { meta, bytes } of w.items)
    emitCapture({ ...meta, conn: ep?.conn ?? w.ctx, peer: ep?.peer ?? null }, bytes)
}

/** Marks the thread as inside a TLS call; false when it already is (a nested layer, whose bytes the outer call reports). */
export function enterTls(thread: number): boolean {
  if (inside.has(thread)) return false
  inside.set(thread, { ctx: null, ep: null })
  return true
}

/** Asks the socket hooks to report the connection this thread's current TLS call writes to. */
export function watchSocketFor(thread: number, ctx: string): void {
  const cur = inside.get(thread)
  if (cur) cur.ctx = ctx
}

export function leaveTls(thread: number): Endpoint | null {
  const ep = inside.get(thread)?.ep ?? null
  inside.delete(thread)
  return ep
}

/**
 * Delivers a capture: at once when its connection is known (its fd, a socket call made during the TLS
 * call, or for inbound data what earlier calls taught); otherwise outbound data waits for the thread's next
 * socket call.
 */
export function deliver(
  thread: number,
  ctx: string,
  ep: Endpoint | null,
  meta: Draft,
  bytes: ArrayBuffer,
): void {
  if (ep) learned.set(ctx, ep)
  const known = ep ?? (meta.dir === 'in' ? (learned.get(ctx) ?? null) : null)
  if (known || meta.dir === 'in') {
    if (known && meta.dir === 'out') sawPlaintext(known.conn)
    emitCapture({ ...meta, conn: known?.conn ?? ctx, peer: known?.peer ?? null }, bytes)
    return
  }
  let w = waiting.get(thread)
  if (w && w.ctx !== ctx) {
    flush(w, learned.get(w.ctx) ?? null)
    w = undefined
  }
  if (!w) waiting.set(thread, (w = { ctx, since: Date.now(), items: [] }))
  w.items.push({ meta, bytes })
  if (w.items.length >= maxWaiting) {
    waiting.delete(thread)
    flush(w, learned.get(ctx) ?? null)
  }
}

/**
 * Called from the socket hooks on every send/write with the call's connection (looked up only when the thread
 * has something to link, which is rare).
 * True when the call is made inside a TLS call (its bytes are that call's records).
 */
export function onSocketCall(thread: number, endpoint: () => Endpoint | null): boolean {
  const cur = inside.get(thread)
  const w = waiting.get(thread)
  if (!w && !cur?.ctx) return cur !== undefined
  const ep = endpoint()
  if (!ep) return cur !== undefined
  if (cur?.ctx) cur.ep = ep
  if (w) {
    waiting.delete(thread)
    learned.set(w.ctx, ep)
    flush(w, ep)
  }
  return cur !== undefined
}

/** Sends out what waited too long for a socket call, with the connection learned earlier if any. */
export function flushStale(now = Date.now()): void {
  for (const [thread, w] of waiting) {
    if (now - w.since < maxWaitMs) continue
    waiting.delete(thread)
    flush(w, learned.get(w.ctx) ?? null)
  }
}
