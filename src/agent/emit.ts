import type { CaptureMessage, CapturesMessage, HookErrorMessage } from './protocol'
import { config } from './state'

/**
 * Sends captures to the host. A muted-call audit must not slow the app it watches: the content filter runs
 * natively on the app's own buffer before anything is copied, and small captures travel in batches (one
 * message and one copy for many calls) instead of one message each.
 */

let pattern: string | null = null
let patternFor: number[] | null = null

/** True when the host's content filter keeps `len` bytes at `p` (Frida's native scan; nothing is copied). */
export function wanted(p: NativePointer, len: number): boolean {
  const { contains } = config.filter
  if (contains === null || contains.length === 0) return true
  if (patternFor !== contains) {
    pattern = contains.map((b) => b.toString(16).padStart(2, '0')).join(' ')
    patternFor = contains
  }
  return len >= contains.length && Memory.scanSync(p, len, pattern!).length > 0
}

/** The same for bytes already copied (APIs that encrypt in place copy on entry). */
export function wantedBytes(bytes: ArrayBuffer): boolean {
  return config.filter.contains === null || wanted(bytes.unwrap(), bytes.byteLength)
}

/** Captures at least this large go out on their own: batching them would only add a copy. */
const ownMessageBytes = 64 * 1024
const batchBytes = 512 * 1024
/**
 * A batch goes out as soon as the agent's thread is free: calls that come while it is busy (the app under
 * load) share a message, a quiet app's capture leaves at once, so nothing waits for a process that dies.
 */
const batchWaitMs = 0

let batch: { items: CaptureMessage[]; parts: ArrayBuffer[]; bytes: number } = {
  items: [],
  parts: [],
  bytes: 0,
}
let timer: ReturnType<typeof setTimeout> | null = null

/** Sends what is batched, in order, as one message: metadata per capture, the bytes end to end. */
export function flushCaptures(): void {
  if (timer !== null) clearTimeout(timer)
  timer = null
  if (batch.items.length === 0) return
  const { items, parts, bytes } = batch
  batch = { items: [], parts: [], bytes: 0 }
  const data = new Uint8Array(bytes)
  let at = 0
  for (const part of parts) {
    data.set(new Uint8Array(part), at)
    at += part.byteLength
  }
  const msg: CapturesMessage = { type: 'captures', items, lengths: parts.map((p) => p.byteLength) }
  send(msg, data.buffer)
}

/** Sends one capture to the host unless the host's peer filter excludes it. */
export function emitCapture(meta: CaptureMessage, bytes: ArrayBuffer): void {
  const { peer } = config.filter
  if (peer !== null && (meta.peer === null || !meta.peer.includes(peer))) return
  if (bytes.byteLength >= ownMessageBytes) {
    flushCaptures()
    send(meta, bytes)
    return
  }
  batch.items.push(meta)
  batch.parts.push(bytes)
  batch.bytes += bytes.byteLength
  if (batch.bytes >= batchBytes) flushCaptures()
  else if (timer === null) timer = setTimeout(flushCaptures, batchWaitMs)
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
