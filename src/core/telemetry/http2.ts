import { ByteQueue } from './byte-queue'
import { PartialHpack } from './hpack-partial'
import {
  checkHeader,
  findFrameSync,
  Flag,
  follows,
  type FrameHeader,
  frameHeaderBytes,
  FrameType,
  readHeader,
} from './http2-resync'
import type { DecodeLimits } from './limits'
import { addHeader, type HttpMessage } from './message'
import { Malformed } from './problem'

const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')
/** Streams kept open at once; beyond that the oldest are dropped so memory stays bounded. */
const maxOpenStreams = 256
/** Above every stream id (31 bits). */
const noStream = 2 ** 31

interface OpenStream {
  headers: Map<string, string>
  parts: Buffer[]
  size: number
  /** Some header fields are unknown (see HttpMessage.partialHeaders). */
  partial: boolean
}

interface HeaderBlock {
  stream: number
  parts: Buffer[]
  size: number
  endStream: boolean
  /** A PUSH_PROMISE's block: decoded only for what it does to the dynamic table. */
  promise: boolean
}

/**
 * Reassembles the requests of the client side of one HTTP/2 connection: frames, HEADERS + CONTINUATION
 * blocks decoded with the connection's dynamic table, DATA joined per stream until END_STREAM. The server's
 * direction is not needed for requests and is not fed here.
 *
 * A connection seen from its start begins with the preface. One `joined` in its middle (the capture attached
 * to a running app) begins anywhere: frame boundaries are found where frame headers line up
 * (http2-resync.ts), header fields that refer to the dynamic table built before are unknown (the request
 * is still decoded, with a note), and a stream whose headers came before is decoded when its first DATA
 * seen starts a body. The same search recovers frame boundaries after a frame header that is not valid
 * (bytes missing from the capture).
 */
export class Http2Stream {
  private queue = new ByteQueue()
  private prefacePending: boolean
  /** Frame boundaries are known. */
  private synced: boolean
  /** While not synced: queue offsets before this are ruled out as frame boundaries. */
  private resume = 0
  private readonly hpack = new PartialHpack()
  private readonly streams = new Map<number, OpenStream>()
  /** Body bytes held over all open streams: bounded by maxBodyBytes for the whole connection. */
  private buffered = 0
  /** A header block still waiting for CONTINUATION frames. */
  private block: HeaderBlock | null = null
  /** A header block was lost (begun before the last sync, or undecodable): CONTINUATION frames may end it. */
  private blockLost = false
  /** Streams with a lower id may have begun before the last sync (client stream ids only grow). */
  private beforeSync = 0
  /** Streams begun before the last sync whose body could not be decoded: their DATA is skipped. */
  private readonly skipped = new Set<number>()
  /** Unknown header fields are told once per connection. */
  private toldUnknown = false

  constructor(
    private readonly limits: DecodeLimits,
    private readonly onMessage: (m: HttpMessage) => void,
    private readonly onProblem: (p: Malformed) => void,
    joined = false,
  ) {
    this.prefacePending = !joined
    this.synced = !joined
  }

  push(chunk: Uint8Array): void {
    this.queue.push(chunk)
    this.drain(false)
  }

  end(): void {
    this.drain(true)
    if (this.streams.size > 0)
      this.onProblem(
        new Malformed('http2', `connection ended with ${this.streams.size} request(s) incomplete`),
      )
    this.streams.clear()
    this.buffered = 0
  }

  private drain(final: boolean): void {
    if (this.prefacePending) {
      if (this.queue.length < preface.length) return
      this.prefacePending = false
      if (this.queue.peek(preface.length).equals(preface)) this.queue.take(preface.length)
      else this.loseSync('invalid HTTP/2 connection preface', 0)
    }
    for (;;) {
      if (!this.synced && !this.resync(final)) return
      if (this.queue.length < frameHeaderBytes) return
      const h = readHeader(this.queue.peek(frameHeaderBytes), 0)
      if (checkHeader(h) === 'invalid' || !follows(h, this.block?.stream ?? null, this.blockLost)) {
        this.loseSync(`frame header out of line (${describe(h)})`, 1)
        continue
      }
      if (this.queue.length < frameHeaderBytes + h.length) return
      const payload = this.queue.take(frameHeaderBytes + h.length).subarray(frameHeaderBytes)
      try {
        this.frame(h, payload)
      } catch (err) {
        if (!(err instanceof Malformed)) throw err
        // A header block that failed may have changed the dynamic table in ways now unknown.
        if (h.type !== FrameType.Data) {
          this.block = null
          this.blockLost = true
          this.hpack.forget()
        }
        this.onProblem(err)
      }
    }
  }

  /** Looks for the next frame boundary, dropping the bytes ruled out; true once found. */
  private resync(final: boolean): boolean {
    if (this.queue.length === 0) return false
    const found = findFrameSync(this.queue.peek(this.queue.length), this.resume, final)
    const skip = found.at ?? found.resume
    if (skip > 0) this.queue.take(skip)
    this.resume = 0
    if (found.at === null) return false
    this.synced = true
    this.blockLost = true
    this.beforeSync = noStream
    return true
  }

  private loseSync(reason: string, skip: number): void {
    const open = this.streams.size
    this.streams.clear()
    this.buffered = 0
    this.block = null
    this.hpack.forget()
    this.synced = false
    this.resume = skip
    this.onProblem(
      new Malformed(
        'http2',
        `${reason}${open > 0 ? `; ${open} request(s) in progress dropped` : ''}; looking for the next frame boundary`,
      ),
    )
  }

  private frame(h: FrameHeader, payload: Buffer): void {
    const { type, flags, stream } = h
    switch (type) {
      case FrameType.Headers:
      case FrameType.PushPromise: {
        const p = unpad(payload, flags)
        this.blockLost = false
        this.block = {
          stream,
          parts: [],
          size: 0,
          endStream: type === FrameType.Headers && (flags & Flag.EndStream) !== 0,
          promise: type === FrameType.PushPromise,
        }
        // PUSH_PROMISE's promised stream id, or HEADERS' priority fields, precede the block.
        const skip = type === FrameType.PushPromise ? 4 : flags & Flag.Priority ? 5 : 0
        this.blockPart(p.subarray(skip), flags)
        return
      }
      case FrameType.Continuation:
        // With no block open, the end of a lost one (see follows): what it adds to the table is unknown anyway.
        if (this.block) this.blockPart(payload, flags)
        return
      case FrameType.Data: {
        const data = unpad(payload, flags)
        const s = this.streams.get(stream) ?? this.begunBefore(stream, data)
        if (!s) return
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
      case FrameType.RstStream:
        this.drop(stream)
        return
    }
  }

  private blockPart(part: Buffer, flags: number): void {
    const b = this.block!
    b.parts.push(part)
    b.size += part.length
    if (b.size > this.limits.maxHeaderBytes)
      throw new Malformed('limit', `header block over ${this.limits.maxHeaderBytes} bytes`)
    if (flags & Flag.EndHeaders) this.headerBlockDone(b)
  }

  private headerBlockDone({ stream, parts, endStream, promise }: HeaderBlock): void {
    this.block = null
    const fields = this.hpack.decode(Buffer.concat(parts))
    if (promise) return
    let s = this.streams.get(stream)
    if (!s) {
      s = this.open(stream, false)
      this.beforeSync = Math.min(this.beforeSync, stream)
    }
    let unknown = false
    for (const { name, value } of fields)
      if (name === null || value === null) unknown = true
      else addHeader(s.headers, name, value)
    if (unknown) {
      s.partial = true
      this.tellUnknown(
        stream,
        `header fields refer to the HPACK dynamic table built before the capture attached and are unknown${s.headers.has(':path') ? '' : ', the path among them (records get path null)'}`,
      )
    }
    if (endStream) this.finish(stream, s)
  }

  /**
   * DATA of a stream without headers: one whose HEADERS came before the last sync is decoded (headers
   * unknown) when this frame starts a body, as its earlier DATA, if any, would have been lost.
   */
  private begunBefore(stream: number, data: Buffer): OpenStream | undefined {
    if (stream >= this.beforeSync || this.skipped.has(stream) || data.length === 0) return undefined
    if (!startsBody(data)) {
      if (this.skipped.size < maxOpenStreams) this.skipped.add(stream)
      this.onProblem(
        new Malformed(
          'http2',
          `stream ${stream} began before the capture attached and the start of its body is missing; skipped`,
        ),
      )
      return undefined
    }
    this.tellUnknown(
      stream,
      'its headers were sent before the capture attached and are unknown (records get path null)',
    )
    return this.open(stream, true)
  }

  private tellUnknown(stream: number, what: string): void {
    if (this.toldUnknown) return
    this.toldUnknown = true
    this.onProblem(
      new Malformed('http2', `stream ${stream}: ${what}; not told again for this connection`, true),
    )
  }

  private open(id: number, partial: boolean): OpenStream {
    const s: OpenStream = { headers: new Map(), parts: [], size: 0, partial }
    this.streams.set(id, s)
    if (this.streams.size > maxOpenStreams) {
      const oldest = this.streams.keys().next().value as number
      this.drop(oldest)
      this.onProblem(
        new Malformed('limit', `more than ${maxOpenStreams} open streams; stream ${oldest} dropped`),
      )
    }
    return s
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
      partialHeaders: s.partial,
    })
  }
}

/** Whether DATA can be the start of a request body: JSON, or gzip's magic bytes. */
function startsBody(data: Buffer): boolean {
  return data[0] === 0x7b || data[0] === 0x5b || (data[0] === 0x1f && data[1] === 0x8b)
}

function describe(h: FrameHeader): string {
  return `type ${h.type}, flags 0x${h.flags.toString(16)}, stream ${h.stream}, ${h.length} bytes`
}

function unpad(payload: Buffer, flags: number): Buffer {
  if (!(flags & Flag.Padded)) return payload
  const pad = payload[0] ?? 0
  if (pad >= payload.length) throw new Malformed('http2', 'padding longer than the frame')
  return payload.subarray(1, payload.length - pad)
}
