import { loggedRequestLine } from '../telemetry/http1'

/** One request as an x64dbg log holds it: its text from the request line up to the next request line. */
export interface LoggedRequest {
  /** 1-based line of the log where the request line is. */
  line: number
  /** Length of the request line; the body (or whatever the log holds instead) follows it directly. */
  requestLineLength: number
  data: Buffer
}

/**
 * Cuts an x64dbg log (its log window redirected to a file, with a breakpoint logging each plaintext buffer)
 * into the requests it logged. The debugger writes its own lines (modules loaded, threads created) and the
 * bytes that followed a buffer in memory between them, and a request line may start after such bytes on the
 * same line; so a request is everything from one request line to the next, and the HTTP parser finds where
 * its body ends. Text before the first request line is the debugger's alone.
 */
export function x64dbgRequests(log: Buffer): LoggedRequest[] {
  // latin1 keeps one character per byte, so offsets in the text are offsets in the log.
  const text = log.toString('latin1')
  const found = [...text.matchAll(new RegExp(loggedRequestLine.source, 'g'))]
  const out: LoggedRequest[] = []
  let line = 1
  let counted = 0
  found.forEach((m, i) => {
    line += countNewlines(log, counted, m.index)
    counted = m.index
    const data = log.subarray(m.index, found[i + 1]?.index ?? log.length)
    out.push({ line, requestLineLength: m[0].length, data })
  })
  return out
}

function countNewlines(b: Buffer, from: number, to: number): number {
  let n = 0
  for (let i = b.indexOf(10, from); i >= 0 && i < to; i = b.indexOf(10, i + 1)) n++
  return n
}
