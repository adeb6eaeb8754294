import type { Capture, TelemetryRecord } from '../../shared/model'
import { type DecodeProblem, type Profile, TelemetryDecoder } from '../telemetry'
import { apiMonitorBuffers } from './apimonitor'
import { type LoggedRequest, x64dbgRequests } from './x64dbg'

export const logFormats = ['apimonitor', 'x64dbg', 'raw'] as const
export type LogFormat = (typeof logFormats)[number]

/** What a log held, decoded. */
export interface DecodedLog {
  records: TelemetryRecord[]
  /** The plaintext as the log held it: one capture per logged buffer (x64dbg: per logged request). */
  captures: Capture[]
  /** Request documents the profile matched and decoded. */
  requests: number
  /** x64dbg: logged requests that break off before their end (the debugger logged part of a buffer). */
  truncated: { line: number; reason: string }[]
  /** Everything else that could not be decoded. */
  problems: DecodeProblem[]
}

/** Decodes the plaintext a tool logged, in that tool's format (see x64dbg.ts and apimonitor.ts). */
export function decodeLog(log: Buffer, format: LogFormat, profile: Profile, source: string): DecodedLog {
  const decoder = new TelemetryDecoder(profile)
  const out: DecodedLog = { records: [], captures: [], requests: 0, truncated: [], problems: [] }
  /** Per connection: documents decoded so far, and the problems met before the first one. */
  const seen = new Map<string, { documents: number; problems: DecodeProblem[] }>()
  const state = (conn: string) => seen.get(conn) ?? seen.set(conn, { documents: 0, problems: [] }).get(conn)!
  decoder.on('record', (r) => out.records.push(r))
  decoder.on('document', (d) => {
    out.requests++
    state(d.conn).documents++
  })
  decoder.on('problem', (p) => {
    const s = state(p.conn ?? '')
    // x64dbg: after a request's body come bytes of the debugger's own, which are no problem of the request.
    if (format !== 'x64dbg' || s.documents === 0) s.problems.push(p)
  })

  let lastT = 0
  const feed = (conn: string, data: Buffer) => {
    const before = out.records.length
    decoder.push({ t: lastT, conn, dir: 'out', data })
    if (format === 'x64dbg') decoder.close(conn)
    // The log tells no times: a buffer takes the time of the first record decoded from it.
    lastT = out.records[before]?.t ?? lastT
    const fn = `${format} log`
    out.captures.push({
      t: lastT,
      conn,
      fn,
      module: source,
      dir: 'out',
      peer: null,
      thread: null,
      pid: null,
      data,
    })
  }

  if (format === 'x64dbg') {
    // Each logged request on a connection of its own, so one that breaks off cannot take the next with it.
    for (const r of x64dbgRequests(log)) {
      const conn = `line ${r.line}`
      feed(conn, r.data)
      const s = state(conn)
      if (s.documents > 0) out.problems.push(...s.problems)
      else out.truncated.push({ line: r.line, reason: truncation(r, s.problems) })
    }
    return out
  }
  if (format === 'raw') feed(format, log)
  else {
    const dump = apiMonitorBuffers(log.toString('latin1'))
    for (const g of dump.gaps)
      out.problems.push({ conn: null, t: null, stage: 'hex-dump', message: `line ${g.line}: ${g.message}` })
    for (const b of dump.buffers) feed(format, b.data)
  }
  decoder.end()
  out.problems.push(...[...seen.values()].flatMap((s) => s.problems))
  return out
}

/** Why a logged request yielded nothing, in the log's terms. */
function truncation(r: LoggedRequest, problems: DecodeProblem[]): string {
  const next = r.data.subarray(r.requestLineLength, r.requestLineLength + 16)
  if (next.length === 0) return 'the log ends after its request line'
  // A body follows a request line directly ({ or [) or after a line break (headers, or a blank line).
  if (![0x7b, 0x5b, 0x0d, 0x0a].includes(next[0]))
    return `its request line runs into "${next.toString('latin1').replace(/[^\x20-\x7e]/g, '?')}" where the body should begin`
  return problems[0]?.message ?? 'its request line is followed by no body'
}
