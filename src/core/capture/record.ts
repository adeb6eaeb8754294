import { platform, release } from 'node:os'
import type { Session, SessionEvent, SessionMetaInput } from '../../shared/model'
import type { SessionStore } from '../store/session-store'
import type { TelemetryDecoder } from '../telemetry'
import { redactText, type Redactor } from './redact'
import { SessionWriter } from '../store/session-writer'
import type { CaptureRun, UnseenTls } from './capture-run'

/**
 * Stores a run in a new session as it goes: the session is created on the first attach (a failed attach
 * leaves nothing behind), captures and events are written in batches, and the end's status and reason close
 * it after a final flush, so nothing captured before an exit or crash is lost. With a decoder, the captures
 * also feed it and its telemetry records are stored alongside. With a redactor, captures are stored (and
 * decoded) with their secrets masked, and so are the command lines in the log.
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
  let late = 0
  /** Rows for the session; after the end nothing more is written (the store may be closed by then). */
  const live = (): SessionWriter | null => {
    if (!closed) return writer
    // Said once (a warning that arrives late is itself dropped here, so this cannot recurse).
    if (late++ === 0) run.emit('warning', 'events that arrived after the session ended were dropped')
    return null
  }
  run.on('attach', (a) => {
    if (closed) return void live()
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
    // A command line carries tokens as often as a request does (curl -H, --token=...).
    const argv = redact && a.argv ? a.argv.map((arg) => redactText(redact, arg)) : a.argv
    writer.addEvent('attach', { ...a, argv, host: run.opts.host })
  })
  logRunEvents(run, (kind, detail) => live()?.addEvent(kind, detail))
  run.on('capture', (captured) => {
    const w = live()
    if (!w) return
    const c = redact ? { ...captured, data: redact(captured.data) } : captured
    w.addCapture(c)
    decoder?.push(c)
  })
  decoder?.on('record', (r) => live()?.addTelemetry(r))
  run.on('micAccess', (r) => live()?.addMicAccess(r))
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

/** The session-log rows of a capture run's process events (attach is the caller's: it may open the session). */
export function logRunEvents(
  run: CaptureRun,
  add: (kind: SessionEvent['kind'], detail: unknown) => void,
): void {
  run.on('hooks', (hooks, pid) => add('hooks', { pid, hooks }))
  run.on('libraries', (libraries, pid) => add('libraries', { pid, libraries }))
  run.on('audioApis', (audioApis, pid) => add('libraries', { pid, audioApis }))
  run.on('unseen', (u) => add('tls-unseen', u))
  run.on('log', (text, pid) => add('agent-log', { pid, text }))
  run.on('detach', (d) => add('detach', d))
  run.on('deviceLost', (l) => add('device-lost', { ...l, host: run.opts.host }))
  run.on('deviceBack', (b) => add('device-back', { ...b, host: run.opts.host }))
}

/** What to tell the user about TLS records no hook saw. */
export function unseenMessage(u: UnseenTls): string {
  return (
    `${u.name} (pid ${u.pid}) sent ${u.records} TLS records (${u.bytes} B) to ${u.peer} that no plaintext hook ` +
    'saw: its TLS library is not hooked (statically linked, stripped or a managed runtime)'
  )
}
