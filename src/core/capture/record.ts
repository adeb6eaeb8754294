import { platform, release } from 'node:os'
import type { Session, SessionMetaInput } from '../../shared/model'
import type { SessionStore } from '../store/session-store'
import type { TelemetryDecoder } from '../telemetry'
import type { Redactor } from './redact'
import { SessionWriter } from '../store/session-writer'
import type { CaptureRun } from './capture-run'

/**
 * Stores a run in a new session as it goes: the session is created on the first attach (a failed attach
 * leaves nothing behind), captures and events are written in batches, and the end's status and reason close
 * it after a final flush, so nothing captured before an exit or crash is lost. With a decoder, the captures
 * also feed it and its telemetry records are stored alongside. With a redactor, captures are stored (and
 * decoded) with their secrets masked.
 */
export function recordRun(
  run: CaptureRun,
  store: SessionStore,
  meta: SessionMetaInput = {},
  onSession: (s: Session) => void = () => undefined,
  decoder: TelemetryDecoder | null = null,
  redact: Redactor | null = null,
): void {
  let writer: SessionWriter | null = null
  let closed = false
  /** Rows for the session; after the end nothing more is written (the store may be closed by then). */
  const live = (): SessionWriter | null => (closed ? null : writer)
  run.on('attach', (a) => {
    if (closed) return
    if (!writer) {
      const session = store.createSession({
        name: `capture of ${a.name || `pid ${a.pid}`}`,
        targetApp: a.name,
        os: run.opts.host ? '' : `${platform()} ${release()}`,
        ...meta,
      })
      writer = new SessionWriter(store, session.id)
      onSession(session)
    }
    writer.addEvent('attach', { ...a, host: run.opts.host })
  })
  run.on('hooks', (hooks, pid) => live()?.addEvent('hooks', { pid, hooks }))
  run.on('libraries', (libraries, pid) => live()?.addEvent('libraries', { pid, libraries }))
  run.on('unseen', (u) => live()?.addEvent('tls-unseen', u))
  run.on('log', (text, pid) => live()?.addEvent('agent-log', { pid, text }))
  run.on('capture', (captured) => {
    const w = live()
    if (!w) return
    const c = redact ? { ...captured, data: redact(captured.data) } : captured
    w.addCapture(c)
    decoder?.push(c)
  })
  decoder?.on('record', (r) => live()?.addTelemetry(r))
  run.on('detach', (d) => live()?.addEvent('detach', d))
  run.on('warning', (w) => live()?.addEvent('warning', w))
  run.on('end', (e) => {
    const w = live()
    if (w) {
      decoder?.end()
      w.flush()
      store.finishSession(w.sessionId, e.status, e.reason)
    }
    closed = true
  })
}
