import type { DecodeLimits } from './limits'
import { addHeader, type HttpMessage } from './message'
import { Malformed } from './problem'

const requestLine = /^([A-Z][A-Z0-9_-]{0,19}) (\S+) HTTP\/\d(?:\.\d)?$/
/** A request line with its JSON body glued on, no line break between: how the authors' x64dbg log holds them. */
const gluedRequestLine = /^[A-Z][A-Z0-9_-]{0,19} \S+ HTTP\/\d(?:\.\d)?(?=[{[])/
/** A request line of a common method anywhere in a text, whatever follows it: where a logged request begins. */
export const loggedRequestLine = /(?:GET|POST|PUT|PATCH|DELETE) \S+ HTTP\/\d(?:\.\d)?/
/** One further into a line, alone or with its body glued on. */
const embeddedRequestLine = new RegExp(`${loggedRequestLine.source}(?:$|(?=[{[]))`)
const statusLine = /^HTTP\/\d(?:\.\d)? (\d{3})(?: .*)?$/
const headerLine = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/
export const http2Preface = 'PRI * HTTP/2.0'

type Pending = Omit<HttpMessage, 'body'> & { parts: Buffer[]; size: number; status: number }

type State =
  | { k: 'start' }
  | { k: 'resync' }
  | { k: 'afterLine'; msg: Pending; blank: boolean }
  | { k: 'headers'; msg: Pending; bytes: number }
  | { k: 'length'; msg: Pending; left: number }
  | { k: 'chunkSize'; msg: Pending }
  | { k: 'chunkData'; msg: Pending; left: number }
  | { k: 'chunkEnd'; msg: Pending }
  | { k: 'trailers'; msg: Pending; bytes: number }
  | { k: 'json'; msg: Pending; depth: number; inString: boolean; escape: boolean }
  | { k: 'skip'; left: number }
  | { k: 'drain' }

/**
 * Reassembles the HTTP/1.x messages of one direction of one connection from writes of any size:
 * Content-Length and chunked bodies, keep-alive and pipelined messages, and request lines followed
 * directly by a JSON body (no headers; on the next line or, as the authors' x64dbg log has them, on the
 * same line), whose end is found by matching brackets. Whatever cannot be parsed is reported and skipped
 * up to the next start line, which in a log may begin after other bytes on its line. Hand-written because
 * node's own parser (llhttp) is internal and no maintained parser accepts headerless bodies or resynchronises.
 */
export class Http1Stream {
  private buf: Buffer = Buffer.alloc(0)
  private pos = 0
  /** Where the line last read by line() started. */
  private lineStart = 0
  private state: State = { k: 'start' }
  /** Set when the connection turns out to speak HTTP/2; the caller hands the rest to an Http2Stream. */
  upgraded: Buffer | null = null

  constructor(
    private readonly limits: DecodeLimits,
    private readonly onMessage: (m: HttpMessage) => void,
    private readonly onProblem: (p: Malformed) => void,
  ) {}

  push(chunk: Uint8Array): void {
    const rest = this.buf.length - this.pos
    this.buf = rest === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf.subarray(this.pos), chunk])
    this.pos = 0
    while (this.upgraded === null && this.pos < this.buf.length) {
      let progressed: boolean
      try {
        progressed = this.step()
      } catch (err) {
        if (!(err instanceof Malformed)) throw err
        this.onProblem(err)
        this.state = { k: 'resync' }
        progressed = true
      }
      if (!progressed) break
    }
  }

  /** The connection closed: a message still waiting for bytes is reported as truncated. */
  end(): void {
    const s = this.state
    if (s.k === 'afterLine') this.finish(s.msg)
    else if (s.k === 'drain' || s.k === 'start' || s.k === 'resync') return
    else if ('msg' in s && s.msg.kind === 'request')
      this.onProblem(
        new Malformed('http', `connection ended inside ${s.msg.method} ${s.msg.target} (${s.k})`),
      )
    this.state = { k: 'start' }
  }

  /** One parsing step; false when more bytes are needed. */
  private step(): boolean {
    const s = this.state
    switch (s.k) {
      case 'start':
      case 'resync': {
        const line = this.line(s.k === 'resync')
        if (line === null) return false
        if (line === '') return true
        if (line === http2Preface) {
          this.upgraded = this.buf.subarray(this.lineStart)
          return true
        }
        const glued = gluedRequestLine.exec(line)?.[0]
        // The body begins on the request line's own line: parsing goes on from its first byte.
        if (glued) this.pos = this.lineStart + glued.length
        const msg = startLine(glued ?? line)
        if (msg) {
          this.state =
            msg.kind === 'request' ? { k: 'afterLine', msg, blank: false } : { k: 'headers', msg, bytes: 0 }
          return true
        }
        // Logs write a buffer's text after bytes of their own, on the same line: the request starts inside it.
        const inside = embeddedRequestLine.exec(line)?.index
        if (inside !== undefined) this.pos = this.lineStart + inside
        if (s.k === 'start') {
          this.state = { k: 'resync' }
          const skipped = inside === undefined ? line : line.slice(0, inside)
          throw new Malformed(
            'http',
            `expected a request line, got "${printable(skipped)}"; skipping to the next one`,
          )
        }
        return true
      }
      case 'afterLine':
        return this.afterLine(s)
      case 'headers':
      case 'trailers': {
        const line = this.line(false)
        if (line === null) return false
        s.bytes += line.length + 2
        if (s.bytes > this.limits.maxHeaderBytes)
          throw new Malformed('limit', `header section over ${this.limits.maxHeaderBytes} bytes`)
        if (line === '') {
          if (s.k === 'trailers') this.finish(s.msg)
          else this.bodyFraming(s.msg)
          return true
        }
        const h = headerLine.exec(line)
        if (!h) throw new Malformed('http', `malformed header line "${printable(line)}"`)
        if (s.k === 'headers') addHeader(s.msg.headers, h[1], h[2])
        return true
      }
      case 'length':
      case 'chunkData': {
        const n = Math.min(s.left, this.buf.length - this.pos)
        this.collect(s.msg, this.buf.subarray(this.pos, this.pos + n))
        this.pos += n
        s.left -= n
        if (s.left === 0) {
          if (s.k === 'length') this.finish(s.msg)
          else this.state = { k: 'chunkEnd', msg: s.msg }
        }
        return true
      }
      case 'chunkSize': {
        const line = this.line(false)
        if (line === null) return false
        const m = /^([0-9a-fA-F]{1,16})[ \t]*(?:;.*)?$/.exec(line)
        if (!m) throw new Malformed('chunked', `invalid chunk size line "${printable(line)}"`)
        const size = parseInt(m[1], 16)
        if (size === 0) this.state = { k: 'trailers', msg: s.msg, bytes: 0 }
        else if (s.msg.size + size > this.limits.maxBodyBytes) {
          this.onProblem(
            new Malformed('limit', `chunked body over ${this.limits.maxBodyBytes} bytes; skipped`),
          )
          this.state = { k: 'resync' }
        } else this.state = { k: 'chunkData', msg: s.msg, left: size }
        return true
      }
      case 'chunkEnd': {
        const line = this.line(false)
        if (line === null) return false
        if (line !== '') throw new Malformed('chunked', 'chunk data longer than its declared size')
        this.state = { k: 'chunkSize', msg: s.msg }
        return true
      }
      case 'json':
        return this.scanJson(s)
      case 'skip': {
        const n = Math.min(s.left, this.buf.length - this.pos)
        this.pos += n
        s.left -= n
        if (s.left === 0) this.state = { k: 'start' }
        return true
      }
      case 'drain':
        this.pos = this.buf.length
        return true
    }
  }

  /** The next line without its CR LF, or null while incomplete. In resync mode over-long lines are dropped. */
  private line(dropping: boolean): string | null {
    const nl = this.buf.indexOf(10, this.pos)
    if (nl < 0) {
      if (this.buf.length - this.pos > this.limits.maxHeaderBytes) {
        this.pos = this.buf.length
        if (!dropping) throw new Malformed('limit', `line longer than ${this.limits.maxHeaderBytes} bytes`)
      }
      return null
    }
    this.lineStart = this.pos
    const end = nl > this.pos && this.buf[nl - 1] === 13 ? nl - 1 : nl
    const line = this.buf.toString('latin1', this.pos, end)
    this.pos = nl + 1
    return line
  }

  /** After a request line: headers, a headerless JSON body, or (blank line, no JSON) a bodiless request. */
  private afterLine(s: Extract<State, { k: 'afterLine' }>): boolean {
    const c = this.buf[this.pos]
    if (c === 0x7b || c === 0x5b) {
      s.msg.headerless = true
      this.state = { k: 'json', msg: s.msg, depth: 0, inString: false, escape: false }
      return true
    }
    if (c === 13 || c === 10) {
      if (c === 13 && this.pos + 1 >= this.buf.length) return false
      this.pos += c === 13 && this.buf[this.pos + 1] === 10 ? 2 : 1
      if (s.blank) {
        this.finish(s.msg)
        return true
      }
      s.blank = true
      return true
    }
    if (s.blank) this.finish(s.msg)
    else this.state = { k: 'headers', msg: s.msg, bytes: 0 }
    return true
  }

  private bodyFraming(msg: Pending): void {
    const te = msg.headers.get('transfer-encoding')
    const cl = msg.headers.get('content-length')
    if (te !== undefined && /(^|,)\s*chunked\s*$/i.test(te)) {
      this.state = { k: 'chunkSize', msg }
      return
    }
    if (cl !== undefined) {
      if (!/^\d{1,15}$/.test(cl.trim()))
        throw new Malformed('http', `invalid Content-Length "${printable(cl)}"`)
      const n = Number(cl.trim())
      if (n > this.limits.maxBodyBytes) {
        this.onProblem(
          new Malformed('limit', `body of ${n} bytes is over ${this.limits.maxBodyBytes}; skipped`),
        )
        this.state = { k: 'skip', left: n }
      } else if (n === 0) this.finish(msg)
      else this.state = { k: 'length', msg, left: n }
      return
    }
    // A response without framing runs to the end of the connection, unless its status forbids a body.
    if (msg.kind === 'response' && !(msg.status < 200 || msg.status === 204 || msg.status === 304))
      this.state = { k: 'drain' }
    else this.finish(msg)
  }

  /**
   * Finds where a headerless JSON body ends, carrying the scanner's state across writes. A byte JSON cannot
   * hold there (a control character inside a string, a letter outside one) means the body broke off, as
   * truncated ones in a log do: it is reported and parsing resumes at that byte, so the request line that
   * follows is not swallowed into it.
   */
  private scanJson(s: Extract<State, { k: 'json' }>): boolean {
    const b = this.buf
    let i = this.pos
    let done = false
    let broken = false
    for (; i < b.length; i++) {
      const c = b[i]
      if (s.inString) {
        if (c < 0x20) broken = true
        else if (s.escape) s.escape = false
        else if (c === 0x5c) s.escape = true
        else if (c === 0x22) s.inString = false
      } else if (c === 0x22) s.inString = true
      else if (c === 0x7b || c === 0x5b) s.depth++
      else if (c === 0x7d || c === 0x5d) {
        if (--s.depth === 0) {
          done = true
          i++
          break
        }
      } else broken = !jsonOutsideStrings[c]
      if (broken) break
    }
    this.collect(s.msg, b.subarray(this.pos, i))
    this.pos = i
    if (broken)
      throw new Malformed(
        'http',
        `the body of ${s.msg.method} ${s.msg.target} breaks off after ${s.msg.size} bytes ` +
          `("${printable(b.toString('latin1', i, i + 20))}" cannot continue JSON); skipping to the next request line`,
      )
    if (done) this.finish(s.msg)
    return true
  }

  private collect(msg: Pending, part: Buffer): void {
    msg.size += part.length
    if (msg.size > this.limits.maxBodyBytes)
      throw new Malformed('limit', `body over ${this.limits.maxBodyBytes} bytes; skipped`)
    // Copied: the parser's buffer is reused and a caller may reuse the written chunk.
    msg.parts.push(Buffer.from(part))
  }

  private finish(msg: Pending): void {
    // After CONNECT or a WebSocket upgrade the connection carries another protocol: not HTTP to resync on.
    const tunnel = msg.method === 'CONNECT' || /websocket/i.test(msg.headers.get('upgrade') ?? '')
    this.state = tunnel ? { k: 'drain' } : { k: 'start' }
    const { parts, size: _size, status: _status, ...rest } = msg
    this.onMessage({ ...rest, body: Buffer.concat(parts) })
  }
}

/** Bytes other than brackets and quotes that JSON allows outside strings: whitespace, numbers, true/false/null. */
const jsonOutsideStrings: boolean[] = Array.from({ length: 256 }, (_, c) =>
  ' \t\r\n,:-+.0123456789eEtrufalsn'.includes(String.fromCharCode(c)),
)

/** Whether a line (without its CR LF) opens an HTTP/1 message or is the HTTP/2 preface's first line. */
export function isStartLine(line: string): boolean {
  return (
    line === http2Preface || requestLine.test(line) || gluedRequestLine.test(line) || statusLine.test(line)
  )
}

function startLine(line: string): Pending | null {
  const req = requestLine.exec(line)
  const base = { headers: new Map<string, string>(), parts: [], size: 0, headerless: false }
  if (req) return { ...base, kind: 'request', method: req[1], target: req[2], status: 0 }
  const res = statusLine.exec(line)
  if (res) return { ...base, kind: 'response', method: '', target: '', status: Number(res[1]) }
  return null
}

function printable(s: string): string {
  const cut = s.length > 60 ? s.slice(0, 60) + '…' : s
  return cut.replace(/[^\x20-\x7e]/g, '?')
}
