import type { Endpoint } from './links'

/**
 * Notices TLS records that leave the process on a connection where no plaintext hook saw anything: the
 * sign of a TLS library MuteScope does not reach. Reported once per connection, so the user hears about
 * what is missing instead of getting silence.
 */

/** TLS application_data (23), versions 3.1 to 3.4 on the wire. */
export function isTlsRecord(buf: NativePointer, len: number): boolean {
  if (len < 5 || buf.isNull()) return false
  return buf.readU8() === 0x17 && buf.add(1).readU8() === 0x03 && buf.add(2).readU8() <= 0x04
}

interface Unseen {
  /** Read at the first record: the connection may be closed by the time it is reported. */
  ep: Endpoint
  records: number
  bytes: number
  first: number
}

/** Records seen per socket that no plaintext was tied to; reported once they persist. */
const pending = new Map<number, Unseen>()
const plainConns = new Set<string>()
const reported = new Set<string>()
let lastUnlinked = 0
/** Records must go on this long with no plaintext anywhere near before they are called unseen. */
const settleMs = 2000

/** A plaintext capture was tied to this connection (or, with null, went out unlinked at this time). */
export function sawPlaintext(conn: string | null): void {
  if (conn === null) lastUnlinked = Date.now()
  else plainConns.add(conn)
}

/**
 * Called from the socket hooks with the first buffer of each outgoing call made outside a TLS call, on the
 * socket `key` (fd, or Wine's or Windows' SOCKET) whose connection `endpoint` looks up.
 */
export function noteOutgoing(
  key: number,
  buf: NativePointer,
  len: number,
  endpoint: () => Endpoint | null,
): void {
  if (!isTlsRecord(buf, len)) return
  const u = pending.get(key)
  if (u) {
    u.records++
    u.bytes += len
    return
  }
  const ep = endpoint()
  if (ep) pending.set(key, { ep, records: 1, bytes: len, first: Date.now() })
}

/** The first buffer of a writev/sendmsg/WSASend call: an array of {base, len} pairs (or {len, base}). */
export function firstBuffer(iov: NativePointer, lenFirst: boolean): [NativePointer, number] {
  if (iov.isNull()) return [NULL, 0]
  const ps = Process.pointerSize
  return lenFirst ? [iov.add(ps).readPointer(), iov.readU32()] : [iov.readPointer(), iov.add(ps).readU32()]
}

/** Sends what has been unseen long enough; cheap when nothing is pending. */
export function reportUnseen(now = Date.now()): void {
  for (const [fd, u] of pending) {
    if (now - u.first < settleMs) continue
    pending.delete(fd)
    // Plaintext that went out unlinked around the same time may belong here: then stay quiet.
    if (now - lastUnlinked < settleMs * 2) continue
    const { ep } = u
    if (plainConns.has(ep.conn) || reported.has(ep.conn)) continue
    reported.add(ep.conn)
    send({ type: 'tls-unseen', conn: ep.conn, peer: ep.peer, records: u.records, bytes: u.bytes })
  }
}
