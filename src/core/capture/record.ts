import { platform, release } from 'node:os'
import type { Session, SessionMetaInput } from '../../shared/model'
import type { SessionStore } from '../store/session-store'
import type { TelemetryDecoder } from '../telemetry'
import { SessionWriter } from '../store/session-writer'
import type { CaptureRun } from './capture-run'

/**
 * Stores a run in a new session as it goes: the session is created on the first attach (a failed attach
 * leaves nothing behind), captures and events are written in batches, and the end's status and reason close
 * it after a final flush, so nothing captured before an exit or crash is lost. With a decoder, the captures
 * also feed it and its telemetry records are stored alongside.
 */
export function recordRun(
  run: CaptureRun,
  store: SessionStore,
  meta: SessionMetaInput = {},
  onSession: (s: Session) => void = () => undefined,
  decoder: TelemetryDecoder | null = null,
): void {
  let writer: SessionWriter | null = null
  run.on('attach', (a) => {
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
  run.on('hooks', (h) => writer?.addEvent('hooks', h))
  run.on('capture', (c) => {
    writer?.addCapture(c)
    decoder?.push(c)
  })
  decoder?.on('record', (r) => writer?.addTelemetry(r))
  run.on('detach', (d) => writer?.addEvent('detach', d))
  run.on('warning', (w) => writer?.addEvent('warning', w))
  run.on('end', (e) => {
    if (!writer) return
    decoder?.end()
    writer.flush()
    store.finishSession(writer.sessionId, e.status, e.reason)
  })
}
