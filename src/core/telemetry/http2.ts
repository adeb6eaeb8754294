import hpack from 'hpack.js'
import { ByteQueue } from './byte-queue'
import type { DecodeLimits } from './limits'
import { addHeader, type HttpMessage } from './message'
import { Malformed } from './problem'

const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')
const frameHeaderBytes = 9
/** RFC 9113's largest SETTINGS_MAX_FRAME_SIZE. */
const maxFrameBytes = (1 << 24) - 1
/** Streams kept open at once; beyond that the oldest are dropped so memory stays bounded. */
const maxOpenStreams = 256

const enum Frame {
  Data = 0,
  Headers = 1,
  RstStream = 3,
  PushPromise = 5,
  Continuation = 9,
}
const enum Flag {
  EndStream = 0x1,
  EndHeaders = 0x4,
  Padded = 0x8,
  Priority = 0x20,
}

interface OpenStream {
  headers: Map<string, string>
  parts: Buffer[]
  size: number
}

/**
 * Reassembles the requests of the client side of one HTTP/2 connection (from its preface on): frames,
 * HEADERS + CONTINUATION blocks decoded by hpack.js with the connection's dynamic table, DATA joined per
 * stream until END_STREAM. The server's direction is not needed for requests and is not fed here.
 */
export class Http2Stream {
  private queue = new ByteQueue()
  private prefaceSeen = false
  private readonly hpack = hpack.decompressor.create({ table: { maxSize: 65536 } })
  private readonly streams = new Map<number, OpenStream>()
  /** Body bytes held over all open streams: bounded by maxBodyBytes for the whole connection. */
  private buffered = 0
  /** A header block still waiting for CONTINUATION frames. */
  private block: { stream: number; parts: Buffer[]; endStream: boolean } | null = null
  /** After an HPACK error the dynamic table is unknown, so nothing later on this connection can be trusted. */
  private broken = false

  constructor(
    private readonly limits: DecodeLimits,
    private readonly onMessage: (m: HttpMessage) => void,
    private readonly onProblem: (p: Malformed) => void,
  ) {}

  push(chunk: Uint8Array): void {
    if (this.broken) return
    this.queue.push(chunk)
    try {
      this.drain()
    } catch (err) {
      if (!(err instanceof Malformed)) throw err
      this.broken = true
      this.onProblem(err)
    }
  }

  end(): void {
    if (!this.broken && this.streams.size > 0)
      this.onProblem(
        new Malformed('http2', `connection ended with ${this.streams.size} request(s) incomplete`),
      )
    this.streams.clear()
    this.buffered = 0
  }

  private drain(): void {
    if (!this.prefaceSeen) {
      if (this.queue.length < preface.length) return
      if (!this.queue.take(preface.length).equals(preface))
        throw new Malformed('http2', 'invalid HTTP/2 connection preface')
      this.prefaceSeen = true
    }
    while (this.queue.length >= frameHeaderBytes) {
      const h = this.queue.peek(frameHeaderBytes)
      const length = h.readUIntBE(0, 3)
      if (length > maxFrameBytes)
        throw new Malformed('http2', `frame of ${length} bytes is over the protocol maximum`)
      if (this.queue.length < frameHeaderBytes + length) return
      const frame = this.queue.take(frameHeaderBytes + length)
      this.frame(frame[3], frame[4], frame.readUInt32BE(5) & 0x7fffffff, frame.subarray(frameHeaderBytes))
    }
  }

  private frame(type: number, flags: number, stream: number, payload: Buffer): void {
    if (this.block && type !== Frame.Continuation)
      throw new Malformed('http2', 'header block interrupted by another frame')
    switch (type) {
      case Frame.Headers: {
        let p = unpad(payload, flags)
        if (flags & Flag.Priority) p = p.subarray(5)
        if (p.length > this.limits.maxHeaderBytes)
          throw new Malformed('limit', `header block over ${this.limits.maxHeaderBytes} bytes`)
        this.block = { stream, parts: [p], endStream: (flags & Flag.EndStream) !== 0 }
        if (flags & Flag.EndHeaders) this.headerBlockDone()
        return
      }
      case Frame.Continuation:
        if (!this.block || this.block.stream !== stream)
          throw new Malformed('http2', 'CONTINUATION without a header block')
        this.block.parts.push(payload)
        if (this.block.parts.reduce((n, b) => n + b.length, 0) > this.limits.maxHeaderBytes)
          throw new Malformed('limit', `header block over ${this.limits.maxHeaderBytes} bytes`)
        if (flags & Flag.EndHeaders) this.headerBlockDone()
        return
      case Frame.PushPromise:
        // A client never sends PUSH_PROMISE; its block would still change the HPACK table.
        this.decodeBlock(unpad(payload, flags).subarray(4))
        return
      case Frame.Data: {
        const s = this.streams.get(stream)
        if (!s) return
        const data = unpad(payload, flags)
        if (this.buffered + data.length > this.limits.maxBodyBytes) {
          this.drop(stream)
          this.onProblem(
            new Malformed(
              'limit',
              `stream ${stream}: request bodies over ${this.limits.maxBodyBytes} bytes; skipped`,
            ),
          )
          return
        }
        s.size += data.length
        this.buffered += data.length
        s.parts.push(data)
        if (flags & Flag.EndStream) this.finish(stream, s)
        return
      }
      case Frame.RstStream:
        this.drop(stream)
        return
    }
  }

  private headerBlockDone(): void {
    const { stream, parts, endStream } = this.block!
    this.block = null
    const fields = this.decodeBlock(Buffer.concat(parts))
    let s = this.streams.get(stream)
    if (!s) {
      s = { headers: new Map(), parts: [], size: 0 }
      this.streams.set(stream, s)
      if (this.streams.size > maxOpenStreams) {
        const oldest = this.streams.keys().next().value as number
        this.drop(oldest)
        this.onProblem(
          new Malformed('limit', `more than ${maxOpenStreams} open streams; stream ${oldest} dropped`),
        )
      }
    }
    for (const [name, value] of fields) addHeader(s.headers, name, value)
    if (endStream) this.finish(stream, s)
  }

  private decodeBlock(block: Buffer): [string, string][] {
    const out: [string, string][] = []
    try {
      this.hpack.write(block)
      this.hpack.execute()
      for (let f = this.hpack.read(); f !== null; f = this.hpack.read()) out.push([f.name, f.value])
    } catch (err) {
      throw new Malformed(
        'http2',
        `HPACK header block cannot be decoded (${(err as Error).message}); rest of connection skipped`,
      )
    }
    return out
  }

  private drop(id: number): void {
    this.buffered -= this.streams.get(id)?.size ?? 0
    this.streams.delete(id)
  }

  private finish(id: number, s: OpenStream): void {
    this.drop(id)
    const headers = s.headers
    const authority = headers.get(':authority')
    if (authority !== undefined && !headers.has('host')) headers.set('host', authority)
    this.onMessage({
      kind: 'request',
      method: headers.get(':method') ?? '',
      target: headers.get(':path') ?? '',
      headers,
      body: Buffer.concat(s.parts),
      headerless: false,
    })
  }
}

function unpad(payload: Buffer, flags: number): Buffer {
  if (!(flags & Flag.Padded)) return payload
  const pad = payload[0] ?? 0
  if (pad >= payload.length) throw new Malformed('http2', 'padding longer than the frame')
  return payload.subarray(1, payload.length - pad)
}
