import { EventEmitter } from 'node:events'
import type { Capture, TelemetryRecord } from '../../shared/model'
import { bodyDocuments } from './body'
import { decodeContentEncoding, sniffCompression } from './codec'
import { extractRecords } from './extract'
import { Http1Stream } from './http1'
import { Http2Stream } from './http2'
import { type Protocol, ProtocolSniffer } from './http2-detect'
import { type DecodeLimits, defaultLimits } from './limits'
import type { HttpMessage } from './message'
import { expandNested, type Json } from './nested'
import { type DecodeProblem, Malformed } from './problem'
import { type Profile, requestMatches } from './profile'

interface Connection {
  /** Until the protocol is known (the capture may have begun mid-connection); then null. */
  sniffer: ProtocolSniffer | null
  http1: Http1Stream | null
  http2: Http2Stream | null
  /** Time of the write being parsed: records without a time field of their own take it. */
  t: number
  /** Outbound bytes seen. */
  bytes: number
  /** A message parsed or a problem reported: if neither (and it is not HTTP/2), closing it says so. */
  accounted: boolean
}

/** One request document after all its encodings were undone: what an inspector shows as a tree. */
export interface DecodedDocument {
  t: number
  conn: string
  method: string
  target: string
  headers: Record<string, string>
  document: Json
}

export interface DecoderEvents {
  record: [TelemetryRecord]
  problem: [DecodeProblem]
  /** Every document of every request the profile matches (only computed when someone listens). */
  document: [DecodedDocument]
}

/** Connections idle this long are closed, so a long capture's forgotten connections do not accumulate. */
const idleMs = 10 * 60_000

/** Streaming decoder from captured plaintext writes to telemetry records; see index.ts. */
export class TelemetryDecoder extends EventEmitter<DecoderEvents> {
  readonly limits: DecodeLimits
  private readonly conns = new Map<string, Connection>()

  constructor(
    readonly profile: Profile,
    limits: Partial<DecodeLimits> = {},
  ) {
    super()
    this.limits = { ...defaultLimits, ...limits }
  }

  /** Feeds one captured write. Outbound bytes are reassembled into requests; inbound ones (responses) are skipped. */
  push(c: Pick<Capture, 't' | 'conn' | 'dir' | 'data'>): void {
    if (c.dir !== 'out') return
    const conn = this.connection(c.conn)
    conn.t = c.t
    conn.bytes += c.data.length
    if (!conn.sniffer) this.feed(c.conn, conn, c.data)
    else {
      const protocol = conn.sniffer.push(c.data)
      if (protocol) this.start(c.conn, conn, protocol)
    }
    this.closeIdle(c.t)
  }

  /** The connection closed: anything left half-received is reported. */
  close(conn: string): void {
    const state = this.conns.get(conn)
    if (!state) return
    // Bytes that never showed a protocol go to the HTTP/1 parser, which reports what it cannot parse.
    if (state.sniffer) this.start(conn, state, state.sniffer.finish() ?? 'http1')
    if (state.http2) state.http2.end()
    else state.http1?.end()
    if (!state.accounted && !state.http2)
      this.problem(
        conn,
        new Malformed(
          'http',
          `${state.bytes} bytes of outgoing plaintext were neither HTTP/1 nor HTTP/2; nothing on this connection was decoded`,
        ),
      )
    this.conns.delete(conn)
  }

  /** Closes every connection (end of the capture). */
  end(): void {
    for (const conn of [...this.conns.keys()]) this.close(conn)
  }

  private connection(id: string): Connection {
    let conn = this.conns.get(id)
    if (!conn) {
      const sniffer = new ProtocolSniffer(this.limits, (p) => this.problem(id, p))
      conn = { sniffer, http1: null, http2: null, t: 0, bytes: 0, accounted: false }
      this.conns.set(id, conn)
    } else {
      // Re-inserted so the map stays ordered from least to most recently used.
      this.conns.delete(id)
      this.conns.set(id, conn)
    }
    return conn
  }

  /** The protocol is known: the bytes kept while looking go to its parser. */
  private start(id: string, conn: Connection, protocol: Protocol): void {
    const bytes = conn.sniffer!.bytes
    conn.sniffer = null
    if (protocol === 'http2') conn.http2 = this.http2(id, true)
    else
      conn.http1 = new Http1Stream(
        this.limits,
        (m) => this.message(id, m),
        (p) => this.problem(id, p),
      )
    this.feed(id, conn, bytes)
  }

  private feed(id: string, conn: Connection, data: Uint8Array): void {
    if (conn.http2) conn.http2.push(data)
    else {
      conn.http1!.push(data)
      const rest = conn.http1!.upgraded
      if (rest) {
        conn.http2 = this.http2(id, false)
        conn.http2.push(rest)
      }
    }
  }

  private http2(id: string, joined: boolean): Http2Stream {
    return new Http2Stream(
      this.limits,
      (m) => this.message(id, m),
      (p) => this.problem(id, p),
      joined,
    )
  }

  private closeIdle(now: number): void {
    for (const [id, conn] of this.conns) {
      if (now - conn.t < idleMs) break
      this.close(id)
    }
  }

  private message(connId: string, m: HttpMessage): void {
    const conn = this.conns.get(connId)
    if (conn) conn.accounted = true
    if (m.kind !== 'request' || m.body.length === 0) return
    // With HTTP/2 headers partly unknown, a missing method or path is unknown, not absent.
    const method = m.method === '' && m.partialHeaders ? null : m.method
    const target = m.target === '' && m.partialHeaders ? null : m.target
    const p = this.profile
    if (!requestMatches(p, method, target)) return
    const t = conn?.t ?? 0
    const path = target?.split('?')[0] ?? null
    try {
      // Transfer codings other than chunked (e.g. "gzip, chunked") wrap the content codings.
      const transfer = m.headers.get('transfer-encoding')?.replace(/(^|,)\s*chunked\s*$/i, '')
      const content = decodeContentEncoding(m.body, transfer, this.limits)
      // An unknown Content-Encoding shows in gzip's magic bytes (the only coding that has any).
      const encoding =
        m.headers.get('content-encoding') ??
        (m.partialHeaders && sniffCompression(content) === 'gzip' ? 'gzip' : undefined)
      const body = decodeContentEncoding(content, encoding, this.limits)
      const origin = { t, host: m.headers.get('host') ?? null, path, conn: connId }
      for (const doc of bodyDocuments(body, m.headers.get('content-type'), this.limits)) {
        const nested: Malformed[] = []
        const expanded = expandNested(doc, this.limits, nested)
        for (const problem of nested) this.problem(connId, problem)
        if (this.listenerCount('document') > 0)
          this.emit('document', {
            t,
            conn: connId,
            method: m.method,
            target: m.target,
            headers: Object.fromEntries(m.headers),
            document: expanded,
          })
        for (const r of extractRecords(expanded, p, origin, this.limits)) this.emit('record', r)
      }
    } catch (err) {
      if (!(err instanceof Malformed)) throw err
      const request = `${method ?? '(method unknown)'} ${path ?? '(path unknown)'}`
      this.problem(connId, new Malformed(err.stage, `${request}: ${err.message}`))
    }
  }

  private problem(conn: string, p: Malformed): void {
    const state = this.conns.get(conn)
    if (state) state.accounted = true
    this.emit('problem', {
      conn,
      t: state?.t ?? null,
      stage: p.stage,
      message: p.message,
      ...(p.note ? { note: true } : {}),
    })
  }
}
