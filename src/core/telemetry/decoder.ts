import { EventEmitter } from 'node:events'
import type { Capture, TelemetryRecord } from '../../shared/model'
import { bodyDocuments } from './body'
import { decodeContentEncoding } from './codec'
import { extractRecords } from './extract'
import { Http1Stream } from './http1'
import { Http2Stream } from './http2'
import { type DecodeLimits, defaultLimits } from './limits'
import type { HttpMessage } from './message'
import { expandNested, type Json } from './nested'
import { type DecodeProblem, Malformed } from './problem'
import type { Profile } from './profile'

interface Connection {
  http1: Http1Stream
  http2: Http2Stream | null
  /** Time of the write being parsed: records without a time field of their own take it. */
  t: number
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
    if (conn.http2) conn.http2.push(c.data)
    else {
      conn.http1.push(c.data)
      const rest = conn.http1.upgraded
      if (rest) {
        conn.http2 = new Http2Stream(
          this.limits,
          (m) => this.message(c.conn, m),
          (p) => this.problem(c.conn, p),
        )
        conn.http2.push(rest)
      }
    }
    this.closeIdle(c.t)
  }

  /** The connection closed: anything left half-received is reported. */
  close(conn: string): void {
    const state = this.conns.get(conn)
    if (!state) return
    if (state.http2) state.http2.end()
    else state.http1.end()
    this.conns.delete(conn)
  }

  /** Closes every connection (end of the capture). */
  end(): void {
    for (const conn of [...this.conns.keys()]) this.close(conn)
  }

  private connection(id: string): Connection {
    let conn = this.conns.get(id)
    if (!conn) {
      const http1 = new Http1Stream(
        this.limits,
        (m) => this.message(id, m),
        (p) => this.problem(id, p),
      )
      conn = { http1, http2: null, t: 0 }
      this.conns.set(id, conn)
    } else {
      // Re-inserted so the map stays ordered from least to most recently used.
      this.conns.delete(id)
      this.conns.set(id, conn)
    }
    return conn
  }

  private closeIdle(now: number): void {
    for (const [id, conn] of this.conns) {
      if (now - conn.t < idleMs) break
      this.close(id)
    }
  }

  private message(connId: string, m: HttpMessage): void {
    if (m.kind !== 'request' || m.body.length === 0) return
    const p = this.profile
    if (p.methods !== undefined && m.method !== p.methods) return
    if (p.pathPattern && !p.pathPattern.test(m.target)) return
    const t = this.conns.get(connId)?.t ?? 0
    try {
      // Transfer codings other than chunked (e.g. "gzip, chunked") wrap the content codings.
      const transfer = m.headers.get('transfer-encoding')?.replace(/(^|,)\s*chunked\s*$/i, '')
      const content = decodeContentEncoding(m.body, transfer, this.limits)
      const body = decodeContentEncoding(content, m.headers.get('content-encoding'), this.limits)
      const origin = { t, host: m.headers.get('host') ?? null, path: m.target.split('?')[0], conn: connId }
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
      this.problem(connId, new Malformed(err.stage, `${m.method} ${m.target.split('?')[0]}: ${err.message}`))
    }
  }

  private problem(conn: string, p: Malformed): void {
    this.emit('problem', { conn, t: this.conns.get(conn)?.t ?? null, stage: p.stage, message: p.message })
  }
}
