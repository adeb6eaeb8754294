import { isStartLine } from './http1'
import { findFrameSync, maxChainBytes } from './http2-resync'
import type { DecodeLimits } from './limits'
import { Malformed } from './problem'

export type Protocol = 'http1' | 'http2'

/**
 * Tells what the outbound bytes of a connection speak when the capture may have begun in its middle:
 * HTTP/1 from its first start line (or the HTTP/2 preface, which the HTTP/1 parser hands over), HTTP/2
 * (no preface) from the first offset where frame headers line up, whichever comes first. The bytes are
 * kept for the parser, which reports or skips what precedes that point; past a bound, bytes ruled out
 * for both are reported and dropped while the search goes on.
 */
export class ProtocolSniffer {
  private buf = Buffer.alloc(0)
  /** Start of the first line not yet ruled out as a start line. */
  private lineStart = 0
  /** Where that line's end is looked for. */
  private lineScan = 0
  /** The line at lineStart is the tail of one too long to be a start line. */
  private midLine = false
  /** Offsets before this are ruled out as frame boundaries. */
  private frameResume = 0
  /** Dropping bytes is told once. */
  private toldDrop = false

  constructor(
    private readonly limits: DecodeLimits,
    private readonly onProblem: (p: Malformed) => void,
  ) {}

  /** The bytes kept, for the parser of the protocol found. */
  get bytes(): Buffer {
    return this.buf
  }

  push(chunk: Uint8Array): Protocol | null {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk])
    const protocol = this.decide(false)
    if (protocol === null) this.bound()
    return protocol
  }

  /** No more bytes will come: the protocol, if the bytes kept show one. */
  finish(): Protocol | null {
    return this.decide(true)
  }

  private decide(final: boolean): Protocol | null {
    const frames = findFrameSync(this.buf, this.frameResume, final)
    this.frameResume = frames.resume
    // A start line begins with a letter and a frame header with a zero byte: the two never share an offset.
    const line = this.startLine()
    if (line !== null && line < frames.resume) return 'http1'
    return frames.at === null ? null : 'http2'
  }

  /** Offset of the first start line in the bytes, or null. */
  private startLine(): number | null {
    for (;;) {
      const nl = this.buf.indexOf(10, this.lineScan)
      if (nl < 0) {
        if (this.buf.length - this.lineStart > this.limits.maxHeaderBytes) {
          this.midLine = true
          this.lineStart = this.buf.length
        }
        this.lineScan = this.buf.length
        return null
      }
      const end = nl > this.lineStart && this.buf[nl - 1] === 13 ? nl - 1 : nl
      if (!this.midLine && isStartLine(this.buf.toString('latin1', this.lineStart, end)))
        return this.lineStart
      this.midLine = false
      this.lineStart = this.lineScan = nl + 1
    }
  }

  private bound(): void {
    if (this.buf.length <= this.limits.maxHeaderBytes + maxChainBytes) return
    const n = Math.min(this.lineStart, this.frameResume)
    if (n === 0) return
    if (!this.toldDrop)
      this.onProblem(
        new Malformed(
          'http',
          `no HTTP/1 request line and no HTTP/2 frame headers in the first ${n} bytes of outgoing plaintext ` +
            '(the capture began inside a long message, or the connection speaks another protocol); ' +
            'skipping while looking for either',
        ),
      )
    this.toldDrop = true
    this.buf = this.buf.subarray(n)
    this.lineStart -= n
    this.lineScan -= n
    this.frameResume -= n
  }
}
