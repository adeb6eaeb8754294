import type { EgressProof, EgressUnproven, PacketRef } from '../../shared/contract/egress'
import type { Capture, TelemetryRecord } from '../../shared/model'
import { TelemetryDecoder, type Profile } from '../telemetry'
import type { WireStream } from './tshark'

/**
 * Egress proof: each telemetry record's plaintext, byte for byte, in the decrypted data of a TCP stream that
 * was seen on the wire. A record's plaintext is the run of captured writes on its connection that the decoder
 * consumed from the end of the previous record's request through the write that completed this one (for
 * HTTP/1.1 exactly its request). The records are decoded again from the stored captures to learn those
 * writes; a stored record that this does not reproduce (its captures were altered) cannot be proven.
 */

export interface Proof {
  proofs: EgressProof[]
  unproven: EgressUnproven[]
}

/** Writes kept per connection while waiting for a record (the tail holds the record's request). */
const maxSpanBytes = 16 * 1024 ** 2

interface Span {
  bytes: Buffer
  conn: string
  peer: string | null
}

const keyOf = (r: TelemetryRecord) => JSON.stringify([r.t, r.host, r.path, r.conn, r.fields])

/** Decodes the captures again, noting for every record the writes its request came in. */
export function recordSpans(captures: Iterable<Capture>, profile: Profile): Map<string, Span[]> {
  const decoder = new TelemetryDecoder(profile)
  const pending = new Map<string, { writes: Uint8Array[]; size: number; peer: string | null }>()
  const emitted = new Set<string>()
  const spans = new Map<string, Span[]>()
  const cache = new Map<string, Span>()
  decoder.on('record', (r) => {
    const conn = r.conn ?? ''
    let span = cache.get(conn)
    if (!span) {
      const p = pending.get(conn)
      span = { bytes: Buffer.concat(p?.writes ?? []), conn, peer: p?.peer ?? null }
      cache.set(conn, span)
    }
    emitted.add(conn)
    const key = keyOf(r)
    spans.set(key, [...(spans.get(key) ?? []), span])
  })
  for (const c of captures) {
    if (c.dir !== 'out') continue
    let p = pending.get(c.conn)
    if (!p) pending.set(c.conn, (p = { writes: [], size: 0, peer: null }))
    p.writes.push(c.data)
    p.size += c.data.length
    p.peer = c.peer ?? p.peer
    while (p.size > maxSpanBytes && p.writes.length > 1) p.size -= p.writes.shift()!.length
    decoder.push(c)
    for (const conn of emitted)
      pending.set(conn, { writes: [], size: 0, peer: pending.get(conn)?.peer ?? null })
    emitted.clear()
    cache.clear()
  }
  decoder.end()
  return spans
}

/** The client end named by a socket-linked connection id ("tcp:LOCAL>PEER"), if any. */
function clientOf(conn: string): string | null {
  const m = /^tcp6?:(.+)>/.exec(conn)
  return m && m[1] !== '?' ? m[1] : null
}

/** Frames (with their times) that carried bytes [start, end) of a stream's client data. */
function packetsOf(s: WireStream, start: number, end: number): PacketRef[] {
  const frames = new Set<number>()
  let lo = 0
  let hi = s.chunks.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (s.chunks[mid].end <= start) lo = mid + 1
    else hi = mid
  }
  for (let i = lo; i < s.chunks.length && s.chunks[i].start < end; i++)
    for (const f of s.chunks[i].frames) frames.add(f)
  return [...frames].sort((a, b) => a - b).map((n) => ({ n, t: s.times.get(n) ?? 0 }))
}

/** Matches every stored record against the streams; `records` in store order. */
export function prove(
  records: readonly TelemetryRecord[],
  spans: Map<string, Span[]>,
  streams: readonly WireStream[],
): Proof {
  const out: Proof = { proofs: [], unproven: [] }
  /** Where the previous span of a connection ended, so the next search starts there (records go in order). */
  const cursor = new Map<string, { stream: WireStream; at: number }>()
  const found = new Map<Span, { stream: WireStream; offset: number } | string>()
  const locate = (span: Span): { stream: WireStream; offset: number } | string => {
    if (span.bytes.length === 0) return 'no plaintext was captured for it'
    const client = clientOf(span.conn)
    const candidates = streams.filter(
      (s) => (span.peer === null || s.server === span.peer) && (client === null || s.client === client),
    )
    if (candidates.length === 0)
      return span.peer === null
        ? "the capture did not name its connection's peer, so no stream on the wire could be tied to it"
        : `no TCP stream to ${span.peer}${client ? ` from ${client}` : ''} was seen on the wire`
    const last = cursor.get(span.conn)
    const ordered = last ? [last.stream, ...candidates.filter((s) => s !== last.stream)] : candidates
    for (const s of ordered) {
      let offset = s === last?.stream ? s.data.indexOf(span.bytes, last.at) : -1
      if (offset < 0) offset = s.data.indexOf(span.bytes)
      if (offset >= 0) {
        cursor.set(span.conn, { stream: s, at: offset + span.bytes.length })
        return { stream: s, offset }
      }
    }
    const names = candidates.map((s) => `${s.sni ?? s.server} (stream ${s.index})`).join(', ')
    if (candidates.every((s) => s.data.length === 0 && s.tlsRecords > 0))
      return `no TLS secrets for that connection: the application data of ${names} could not be decrypted`
    // The connection's recorded data ends where this record begins (or within it): the recording had stopped.
    const rest = last && last.stream.data.subarray(last.at)
    if (rest && rest.length < span.bytes.length && rest.equals(span.bytes.subarray(0, rest.length)))
      return `the recording of ${last.stream.sni ?? last.stream.server} (stream ${last.stream.index}) stopped before it was sent`
    return `its plaintext was not found, byte for byte, in the decrypted data of ${names}`
  }
  const taken = new Map<string, number>()
  for (const r of records) {
    const key = keyOf(r)
    const i = taken.get(key) ?? 0
    taken.set(key, i + 1)
    const span = spans.get(key)?.[i]
    const base = { t: r.t, host: r.host, path: r.path, conn: r.conn }
    if (!span) {
      out.unproven.push({
        ...base,
        reason: 'decoding the stored captures again does not give this record (the captures were altered)',
      })
      continue
    }
    let hit = found.get(span)
    if (hit === undefined) found.set(span, (hit = locate(span)))
    if (typeof hit === 'string') {
      out.unproven.push({ ...base, reason: hit })
      continue
    }
    const { stream, offset } = hit
    out.proofs.push({
      ...base,
      stream: stream.index,
      server: stream.sni,
      peer: stream.server,
      offset,
      length: span.bytes.length,
      packets: packetsOf(stream, offset, offset + span.bytes.length),
    })
  }
  return out
}
