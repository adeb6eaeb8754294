import { z } from 'zod'
import { levelWindow, session, sessionEvent, sessionMeta, sessionSummary, telemetryRecord } from '../model'
import { request } from './define'

export const sessionId = z.object({ id: z.number().int().positive() }).strict()

export const sessionDetail = z.object({
  session,
  telemetry: z.array(telemetryRecord),
  levelWindows: z.array(levelWindow),
  events: z.array(sessionEvent),
  captureCount: z.number().int(),
  /** One-second levels are fetched decimated (levelTrace); a 24-hour session has 86,400 of them. */
  levelSecondCount: z.number().int(),
})
export type SessionDetail = z.infer<typeof sessionDetail>

export const sessionsRequests = {
  listSessions: request(
    'Stored sessions, newest first, optionally filtered by a search text',
    z.object({ search: z.string().max(200).default('') }).strict(),
    z.array(sessionSummary),
  ),
  getSession: request('One session with its records', sessionId, sessionDetail),
  createSession: request(
    'Creates a session by hand (e.g. to record notes for an experiment run elsewhere)',
    sessionMeta.partial().strict(),
    session,
  ),
  updateSession: request(
    'Edits notes, labels and other metadata of a session',
    z.object({ id: z.number().int().positive(), patch: sessionMeta.partial().strict() }).strict(),
    session,
  ),
  finishSession: request('Marks a running session completed', sessionId, session),
  deleteSession: request(
    'Deletes a session and all its rows',
    sessionId,
    z.object({ deleted: z.number().int() }),
  ),
  exportSession: request(
    'A whole session as a portable bundle (base64 of gzip JSON) for "sessions import"',
    sessionId,
    z.object({ fileName: z.string(), base64: z.string() }),
  ),
  importSession: request(
    'Restores a session bundle',
    z.object({ base64: z.string().max(700_000_000) }).strict(),
    session,
  ),
}

export const sessionsEvents = {
  sessionsChanged: z.object({ id: z.number().int(), change: z.enum(['created', 'updated', 'deleted']) }),
}
