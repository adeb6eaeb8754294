import { z } from 'zod'
import {
  clockOffset,
  levelWindow,
  session,
  sessionEvent,
  sessionMeta,
  sessionPatch,
  sessionSummary,
  telemetryRecord,
} from '../model'
import { filePath, request } from './define'

export const sessionId = z.object({ id: z.number().int().positive() }).strict()

/** Session bundles cross the API in chunks of this many bytes, so no request or reply holds a whole one. */
export const bundleChunkBytes = 4 * 1024 * 1024
const maxBundleBytes = 64 * 1024 ** 3
const transferId = z.string().regex(/^[\w-]{16,64}$/)

export const sessionDetail = z.object({
  session,
  telemetry: z.array(telemetryRecord),
  levelWindows: z.array(levelWindow),
  events: z.array(sessionEvent),
  captureCount: z.number().int(),
  /** One-second levels are fetched decimated (levelTrace); a 24-hour session has 86,400 of them. */
  levelSecondCount: z.number().int(),
  /** Multi-device experiments: each device's clock offset, measured at its target's start. */
  clockOffsets: z.array(clockOffset).optional(),
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
    'Edits notes, labels and other metadata of a session: only the fields the patch names change',
    z.object({ id: z.number().int().positive(), patch: sessionPatch }).strict(),
    session,
  ),
  finishSession: request('Marks a running session completed', sessionId, session),
  deleteSession: request(
    'Deletes a session and all its rows',
    sessionId,
    z.object({ deleted: z.number().int() }),
  ),
  exportSession: request(
    'Writes a session as a portable bundle (gzip JSON lines) for "sessions import"; fetch it with exportSessionChunk',
    sessionId,
    z.object({ transferId, fileName: z.string(), bytes: z.number().int() }),
  ),
  exportSessionChunk: request(
    'The bundle bytes from offset on (base64, at most bundleChunkBytes); the transfer ends with the last chunk',
    z.object({ transferId, offset: z.number().int().nonnegative() }).strict(),
    z.object({ base64: z.string(), done: z.boolean() }),
  ),
  importSession: request(
    'Starts restoring a session bundle of this many bytes, sent with importSessionChunk; with ifDuplicate "ask", a bundle already imported waits for finishImport',
    z
      .object({
        /** An empty file is sent as one empty chunk, which the import refuses as no bundle. */
        bytes: z.number().int().nonnegative().max(maxBundleBytes),
        ifDuplicate: z.enum(['ask', 'import']).default('import'),
      })
      .strict(),
    z.object({ transferId }),
  ),
  importSessionChunk: request(
    'The next chunk of a bundle being imported, in order; the last one imports it and returns the session',
    z
      .object({
        transferId,
        offset: z.number().int().nonnegative(),
        base64: z.base64().max(Math.ceil(bundleChunkBytes / 3) * 4),
      })
      .strict(),
    z.object({
      received: z.number().int(),
      session: session.nullable(),
      /** The session this bundle was imported as before; the import waits for finishImport. */
      duplicateOf: z.object({ id: z.number().int(), name: z.string() }).optional(),
    }),
  ),
  finishImport: request(
    'Imports a bundle found to be a duplicate after all, or drops it',
    z.object({ transferId, import: z.boolean() }).strict(),
    z.object({ session: session.nullable() }),
  ),
  exportSessionFile: request(
    'Writes a session bundle to a file on this computer ("mutescope sessions export"); the UI fetches one with exportSession',
    z.object({ id: z.number().int().positive(), file: filePath }).strict(),
    z.object({ bytes: z.number().int() }),
  ),
  importSessionFile: request(
    'Restores a session bundle from a file on this computer ("mutescope sessions import"); the UI sends one with importSession',
    z.object({ file: filePath }).strict(),
    session,
  ),
  deleteSessions: request(
    'Deletes several sessions and all their rows (e.g. every failed one)',
    z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000) }).strict(),
    z.object({ deleted: z.array(z.number().int()) }),
  ),
}

export const sessionsEvents = {
  sessionsChanged: z.object({ id: z.number().int(), change: z.enum(['created', 'updated', 'deleted']) }),
}
