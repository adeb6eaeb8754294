import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { z } from 'zod'
import type { egressStatus } from '../../shared/contract/egress'
import type { SessionStore } from '../store/session-store'

/**
 * Where a session's egress files live and whether they were recorded: a row of the `egress` table per session
 * captured with --egress, and a private folder under the data dir's egress/ named before the session exists
 * (the spawned target must be told its key log file before it starts).
 */

export type EgressStatus = z.infer<typeof egressStatus>

export interface EgressRow {
  sessionId: number
  folder: string
  status: EgressStatus
  reason: string | null
}

/** The recorded packets, only the session's streams, 0600. */
export const packetsFile = 'packets.pcapng'

/** The egress folders' parent, beside the session database. */
export function egressRoot(dataDir: string): string {
  return join(dataDir, 'egress')
}

/** A new private folder for one recording. */
export function newEgressFolder(dataDir: string): string {
  const folder = join(egressRoot(dataDir), `${Date.now()}-${randomBytes(6).toString('hex')}`)
  mkdirSync(folder, { recursive: true, mode: 0o700 })
  return folder
}

/** The data dir a store lives in (a row names its folder under egress/, so the data dir can move). */
export function storeDataDir(store: SessionStore): string {
  return dirname(store.path)
}

export function saveEgress(store: SessionStore, row: EgressRow): void {
  store.db
    .prepare(
      `INSERT INTO egress (session_id, folder, status, reason) VALUES (?, ?, ?, ?)
       ON CONFLICT (session_id) DO UPDATE SET folder = excluded.folder, status = excluded.status, reason = excluded.reason`,
    )
    .run(row.sessionId, basename(row.folder), row.status, row.reason)
}

/** The session's egress recording, or null for a session captured without --egress. */
export function egressOf(store: SessionStore, sessionId: number): EgressRow | null {
  const r = store.db
    .prepare(`SELECT session_id, folder, status, reason FROM egress WHERE session_id = ?`)
    .get(sessionId) as
    { session_id: number; folder: string; status: EgressStatus; reason: string | null } | undefined
  if (!r) return null
  return {
    sessionId: r.session_id,
    folder: join(egressRoot(storeDataDir(store)), r.folder),
    status: r.status,
    reason: r.reason,
  }
}

/** The peers ("host:port") that the session's captures name: the only streams egress keeps. */
export function capturedPeers(store: SessionStore, sessionId: number): string[] {
  return (
    store.db
      .prepare(`SELECT DISTINCT peer FROM captures WHERE session_id = ? AND peer IS NOT NULL ORDER BY peer`)
      .all(sessionId) as { peer: string }[]
  ).map((r) => r.peer)
}
