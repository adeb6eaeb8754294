import { gunzipSync, gzipSync } from 'node:zlib'
import { z } from 'zod'
import {
  captureLine,
  levelSecond,
  levelWindow,
  session,
  sessionEvent,
  telemetryRecord,
} from '../../shared/model'
import { UserError } from '../errors'
import type { SessionStore } from './session-store'

const FORMAT = 'mutescope-session'

const bundleCapture = captureLine.extend({ thread: z.number().nullable() })

const bundleSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  exportedAt: z.number(),
  session,
  telemetry: z.array(telemetryRecord),
  captures: z.array(bundleCapture),
  levelWindows: z.array(levelWindow),
  levelSeconds: z.array(levelSecond),
  events: z.array(sessionEvent),
})

/** A whole session as gzip'ed JSON: portable between machines and MuteScope versions that read version 1. */
export function exportBundle(store: SessionStore, id: number): Buffer {
  const bundle: z.input<typeof bundleSchema> = {
    format: FORMAT,
    version: 1,
    exportedAt: Date.now(),
    session: store.getSession(id),
    telemetry: store.telemetry(id),
    captures: store.captures(id).map((c) => ({ ...c, data: Buffer.from(c.data).toString('base64') })),
    levelWindows: store.levelWindows(id),
    levelSeconds: [...store.levelSeconds(id)],
    events: store.events(id),
  }
  return gzipSync(JSON.stringify(bundle))
}

function parseBundle(bytes: Buffer): z.infer<typeof bundleSchema> {
  let text: string
  try {
    text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8')
  } catch {
    throw new UserError('the file is not a MuteScope session bundle (corrupt gzip); export it again')
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new UserError(
      'the file is not a MuteScope session bundle (not JSON); use a file made by "sessions export"',
    )
  }
  if ((json as { format?: unknown })?.format !== FORMAT) {
    throw new UserError('the file is not a MuteScope session bundle; use a file made by "sessions export"')
  }
  const parsed = bundleSchema.safeParse(json)
  if (!parsed.success) {
    throw new UserError(
      `the session bundle is damaged or from an unsupported version: ${z.prettifyError(parsed.error)}`,
    )
  }
  return parsed.data
}

/** Restores a bundle as a new session, all rows in one transaction: a bad bundle leaves nothing behind. */
export function importBundle(store: SessionStore, bytes: Buffer) {
  const b = parseBundle(bytes)
  return store.db.transaction(() => {
    const { id: _id, startedAt, endedAt, status, statusReason, ...meta } = b.session
    const created = store.createSession(meta, startedAt)
    store.appendTelemetry(created.id, b.telemetry)
    store.appendCaptures(
      created.id,
      b.captures.map((c) => ({ ...c, pid: c.pid ?? null, data: new Uint8Array(Buffer.from(c.data, 'base64')) })),
    )
    store.appendLevelWindows(created.id, b.levelWindows)
    store.appendLevelSeconds(created.id, b.levelSeconds)
    store.appendEvents(created.id, b.events)
    const finished = status === 'running' ? 'interrupted' : status
    store.db
      .prepare(
        `UPDATE sessions SET status = ?, status_reason = ?, ended_at = ?, owner_pid = NULL WHERE id = ?`,
      )
      .run(finished, statusReason, endedAt, created.id)
    return store.getSession(created.id)
  })()
}
