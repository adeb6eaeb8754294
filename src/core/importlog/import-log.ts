import { closeSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'
import type { Session } from '../../shared/model'
import { UserError } from '../errors'
import { openRegularFile } from '../regular-file'
import type { SessionStore } from '../store/session-store'
import { loadProfile } from '../telemetry'
import { decodeLog, type DecodedLog, type LogFormat } from './decode-log'

/** Logs are read whole (a request may span any part of them); the authors' 24-hour log is 4 MB. */
const maxLogBytes = 1024 ** 3

export interface ImportLogOptions {
  format: LogFormat
  /** Extraction profile name or file; webex by default. */
  profile?: string
  /** Session name; the log's file name by default. */
  name?: string
}

export interface ImportedLog {
  session: Session
  requests: number
  records: number
  truncated: DecodedLog['truncated']
  problems: DecodedLog['problems']
}

/**
 * Turns the plaintext log of another tool (x64dbg, API Monitor, or raw bytes) into a completed session of
 * telemetry records, with the logged buffers as its captures. All of it is written in one transaction: an
 * import that fails or is cut short leaves no session behind.
 */
export function importLog(store: SessionStore, file: string, opts: ImportLogOptions): ImportedLog {
  const profile = loadProfile(opts.profile ?? 'webex')
  const fix = `give the log file itself (at most ${maxLogBytes / 1024 ** 3} GiB)`
  const { fd } = openRegularFile(file, { what: 'log', fix, maxBytes: maxLogBytes })
  let bytes: Buffer
  try {
    bytes = readFileSync(fd)
  } finally {
    closeSync(fd)
  }
  const decoded = decodeLog(bytes, opts.format, profile, basename(file))
  if (decoded.records.length === 0)
    throw new UserError(
      `${file} holds no telemetry the "${profile.data.name}" profile extracts (${decoded.requests} matching ` +
        `request(s), ${decoded.truncated.length} truncated, ${decoded.problems.length} problem(s)); ` +
        'check --format and --profile',
    )
  const startedAt = decoded.records.reduce((t, r) => Math.min(t, r.t), Infinity)
  const endedAt = decoded.records.reduce((t, r) => Math.max(t, r.t), -Infinity)
  const notes =
    `Imported with "mutescope import-log --format ${opts.format}" from ${file}: ${decoded.requests} request(s) ` +
    `decoded into ${decoded.records.length} record(s)` +
    (opts.format === 'x64dbg' ? `, ${decoded.truncated.length} request(s) truncated in the log` : '') +
    (decoded.problems.length > 0 ? `, ${decoded.problems.length} part(s) not decodable` : '') +
    '.'
  const session = store.db.transaction(() => {
    const created = store.createSession(
      {
        name: opts.name ?? basename(file),
        notes,
        profile: profile.data.name,
        intervalS: profile.data.intervalS,
      },
      startedAt,
    )
    store.appendTelemetry(created.id, decoded.records)
    store.appendCaptures(created.id, decoded.captures)
    return store.finishSession(created.id, 'completed', null, endedAt)
  })()
  return {
    session,
    requests: decoded.requests,
    records: decoded.records.length,
    truncated: decoded.truncated,
    problems: decoded.problems,
  }
}
