import { closeSync, createWriteStream, openSync, renameSync, rmSync } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import type { Session } from '../../shared/model'
import { UserError } from '../errors'
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  type BundleHeader,
  type BundleItem,
  type BundleTable,
  bundleTableNames,
} from './bundle-format'
import { type BundleLimits, defaultBundleLimits, readBundle } from './bundle-read'
import { IMPORTING, type SessionStore } from './session-store'
import { SessionWriter } from './session-writer'

/** Rows per query while exporting: a page of captures is at most 16 MiB at the default 1 MiB cap. */
const pageRows: Record<BundleTable, number> = {
  telemetry: 2000,
  captures: 16,
  levelWindows: 2000,
  levelSeconds: 5000,
  events: 2000,
}

/** Each table's rows in insertion order, a page at a time (keyset on the rowid), as bundle rows. */
const pageQueries: Record<BundleTable, { sql: string; row: (r: Record<string, unknown>) => unknown }> = {
  telemetry: {
    sql: `SELECT rowid AS k, t, host, path, conn, fields FROM telemetry`,
    row: ({ k: _k, fields, ...r }) => ({ ...r, fields: JSON.parse(fields as string) }),
  },
  captures: {
    sql: `SELECT rowid AS k, t, conn, fn, module, dir, peer, thread, pid, data FROM captures`,
    row: ({ k: _k, data, ...r }) => ({ ...r, data: (data as Buffer).toString('base64') }),
  },
  levelWindows: {
    sql: `SELECT rowid AS k, start_t AS startT, end_t AS endT, weighting, leq, lmax, lmin, peak,
            power_db AS powerDb, episode FROM level_windows`,
    row: ({ k: _k, ...r }) => r,
  },
  levelSeconds: {
    sql: `SELECT rowid AS k, t, level, abs_max AS absMax, abs_mean AS absMean FROM level_seconds`,
    row: ({ k: _k, absMax, absMean, ...r }) => (absMax === null ? r : { ...r, absMax, absMean }),
  },
  events: {
    sql: `SELECT rowid AS k, t, kind, detail FROM events`,
    row: ({ k: _k, detail, ...r }) => ({ ...r, detail: JSON.parse(detail as string) }),
  },
}

/**
 * The bundle's lines, a page of rows at a time. Each page is one short query, so other requests on the
 * same database connection run between pages, and a session of any length is never held at once.
 */
async function* bundleLines(store: SessionStore, id: number): AsyncGenerator<string> {
  const header: BundleHeader = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    exportedAt: Date.now(),
    session: store.getSession(id),
  }
  yield JSON.stringify(header) + '\n'
  const counts = Object.fromEntries(bundleTableNames.map((t) => [t, 0])) as Record<BundleTable, number>
  for (const table of bundleTableNames) {
    const { sql, row } = pageQueries[table]
    const page = store.db.prepare(`${sql} WHERE session_id = ? AND rowid > ? ORDER BY rowid LIMIT ?`)
    for (let after = 0; ;) {
      const rows = page.all(id, after, pageRows[table]) as Record<string, unknown>[]
      if (rows.length === 0) break
      after = rows[rows.length - 1].k as number
      counts[table] += rows.length
      yield rows.map((r) => JSON.stringify({ [table]: row(r) })).join('\n') + '\n'
    }
  }
  yield JSON.stringify({ end: counts }) + '\n'
}

/**
 * Writes a session as a version 2 bundle to `file` (mode 0600: it holds captured plaintext), streaming:
 * memory stays bounded whatever the session's size. The bundle is written beside `file` and renamed into
 * place when complete, so a failed export leaves no half-written file.
 */
export async function exportBundle(
  store: SessionStore,
  id: number,
  file: string,
): Promise<{ bytes: number }> {
  store.getSession(id)
  const partial = `${file}.${process.pid}.partial`
  let fd: number
  try {
    fd = openSync(partial, 'w', 0o600)
  } catch (err) {
    throw new UserError(`cannot write ${file}: ${(err as Error).message}; choose a writable path`)
  }
  const out = createWriteStream('', { fd })
  try {
    await pipeline(Readable.from(bundleLines(store, id), { highWaterMark: 1 }), createGzip(), out)
    renameSync(partial, file)
  } catch (err) {
    rmSync(partial, { force: true })
    if (err instanceof UserError) throw err
    throw new UserError(`cannot write ${file}: ${(err as Error).message}; choose a writable path`)
  } finally {
    if (!out.closed) closeSync(fd)
  }
  return { bytes: out.bytesWritten }
}

/** Buffered rows are committed, and other work let run, once this many rows or bytes are waiting. */
const batch = { rows: 2000, bytes: 8 * 1024 * 1024 }

/**
 * Restores a bundle file as a new session, streaming: rows are committed in batches, and the event loop
 * turns between batches so that other clients are served during a long import. Until it completes, the
 * session is marked as being imported; a failed import deletes it, and one cut short by a crash is deleted
 * at the next start (see SessionStore.recoverCrashed), so a bad bundle leaves nothing behind.
 */
export async function importBundle(
  store: SessionStore,
  file: string,
  limits: BundleLimits = defaultBundleLimits,
): Promise<Session> {
  let session: BundleHeader['session'] | null = null
  let writer: SessionWriter | null = null
  const waiting = { rows: 0, bytes: 0 }
  const counts = Object.fromEntries(bundleTableNames.map((t) => [t, 0])) as Record<BundleTable, number>
  try {
    for await (const item of readBundle(file, limits)) {
      if (item.kind === 'header') {
        session = item.header.session
        const { id: _id, startedAt, endedAt: _e, status: _s, statusReason: _r, ...meta } = session
        const created = store.createSession(meta, startedAt)
        store.db.prepare(`UPDATE sessions SET status_reason = ? WHERE id = ?`).run(IMPORTING, created.id)
        writer = new SessionWriter(store, created.id, null, Infinity)
      } else if (item.kind === 'row') {
        counts[item.table]++
        waiting.bytes += add(writer!, item)
        if (++waiting.rows >= batch.rows || waiting.bytes >= batch.bytes) {
          writer!.flush()
          waiting.rows = waiting.bytes = 0
          await new Promise((resolve) => setImmediate(resolve))
        }
      } else if (item.counts) checkCounts(item.counts, counts)
    }
    writer!.flush()
    const { status, statusReason, endedAt } = session!
    store.db
      .prepare(
        `UPDATE sessions SET status = ?, status_reason = ?, ended_at = ?, owner_pid = NULL WHERE id = ?`,
      )
      .run(status === 'running' ? 'interrupted' : status, statusReason, endedAt, writer!.sessionId)
    return store.getSession(writer!.sessionId)
  } catch (err) {
    if (writer) store.deleteSession(writer.sessionId)
    throw err
  }
}

/** Buffers one row; returns the bytes of capture data it adds to the batch. */
function add(writer: SessionWriter, item: Extract<BundleItem, { kind: 'row' }>): number {
  switch (item.table) {
    case 'telemetry':
      writer.addTelemetry(item.row)
      return 0
    case 'captures': {
      const data = new Uint8Array(Buffer.from(item.row.data, 'base64'))
      writer.addCapture({ ...item.row, pid: item.row.pid ?? null, data })
      return data.length
    }
    case 'levelWindows':
      writer.addLevelWindow(item.row)
      return 0
    case 'levelSeconds':
      writer.addLevelSecond(item.row)
      return 0
    case 'events':
      writer.addEvent(item.row.kind, item.row.detail, item.row.t)
      return 0
  }
}

function checkCounts(declared: Record<BundleTable, number>, read: Record<BundleTable, number>): void {
  for (const t of bundleTableNames)
    if (declared[t] !== read[t])
      throw new UserError(
        `the session bundle is damaged: it holds ${read[t]} ${t} rows where its end line says ${declared[t]}; export it again`,
        'bad_bundle',
      )
}
