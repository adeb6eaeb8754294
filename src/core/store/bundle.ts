import { closeSync, createWriteStream, openSync, renameSync, rmSync } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import type { MuteInterval, Session } from '../../shared/model'
import { cannotWrite, errorMessage, UserError } from '../errors'
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
  micAccess: 5000,
  muteIntervals: 2000,
  clockOffsets: 2000,
}

/** Each table's rows in insertion order, a page at a time (keyset on the rowid), as bundle rows. */
const pageQueries: Record<BundleTable, { sql: string; row: (r: Record<string, unknown>) => unknown }> = {
  telemetry: {
    sql: `SELECT rowid AS k, t, host, path, conn, fields, device, target FROM telemetry`,
    // Device and target only where a multi-device session tagged them.
    row: ({ k: _k, fields, device, target, ...r }) => ({
      ...r,
      fields: JSON.parse(fields as string),
      ...(device === null && target === null ? {} : { device, target }),
    }),
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
  micAccess: {
    sql: `SELECT rowid AS k, t, pid, api, reads, frames, bytes, rms_dbfs AS rmsDbfs, peak_dbfs AS peakDbfs
          FROM mic_access`,
    row: ({ k: _k, ...r }) => r,
  },
  muteIntervals: {
    sql: `SELECT rowid AS k, start_t AS start, end_t AS end FROM mute_intervals`,
    row: ({ k: _k, ...r }) => r,
  },
  clockOffsets: {
    sql: `SELECT rowid AS k, device, offset_ms AS offsetMs, uncertainty_ms AS uncertaintyMs, samples,
            measured_at AS measuredAt FROM clock_offsets`,
    row: ({ k: _k, ...r }) => r,
  },
}

/** Progress and cancellation of a long export or import. */
export interface BundleWatch {
  /** Rows written so far, and the session's total rows (export) or null (import: known at the end). */
  onProgress?: (rows: number, total: number | null) => void
  signal?: AbortSignal
}

/** The session's rows in every bundled table. */
function totalRows(store: SessionStore, id: number): number {
  let total = 0
  for (const t of bundleTableNames) {
    const count = store.db.prepare(`SELECT COUNT(*) AS n FROM (${pageQueries[t].sql} WHERE session_id = ?)`)
    total += (count.get(id) as { n: number }).n
  }
  return total
}

/**
 * The bundle's lines, a page of rows at a time. Each page is one short query, so other requests on the
 * same database connection run between pages, and a session of any length is never held at once.
 */
async function* bundleLines(
  store: SessionStore,
  id: number,
  onProgress?: BundleWatch['onProgress'],
): AsyncGenerator<string> {
  const header: BundleHeader = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    exportedAt: Date.now(),
    session: store.getSession(id),
  }
  yield JSON.stringify(header) + '\n'
  const counts = Object.fromEntries(bundleTableNames.map((t) => [t, 0])) as Record<BundleTable, number>
  const total = onProgress ? totalRows(store, id) : 0
  // About a hundred reports per export, whatever its size.
  const step = Math.max(1, Math.ceil(total / 100))
  let rows = 0
  let reported = 0
  for (const table of bundleTableNames) {
    const { sql, row } = pageQueries[table]
    const query = store.db.prepare(`${sql} WHERE session_id = ? AND rowid > ? ORDER BY rowid LIMIT ?`)
    for (let after = 0; ;) {
      const page = query.all(id, after, pageRows[table]) as Record<string, unknown>[]
      if (page.length === 0) break
      after = page[page.length - 1].k as number
      counts[table] += page.length
      yield page.map((r) => JSON.stringify({ [table]: row(r) })).join('\n') + '\n'
      rows += page.length
      if (rows - reported >= step) onProgress?.((reported = rows), total)
    }
  }
  yield JSON.stringify({ end: counts }) + '\n'
  onProgress?.(rows, total)
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
  watch: BundleWatch = {},
): Promise<{ bytes: number }> {
  store.getSession(id)
  const partial = `${file}.${process.pid}.partial`
  let fd: number
  try {
    fd = openSync(partial, 'w', 0o600)
  } catch (err) {
    throw cannotWrite(file, err)
  }
  const out = createWriteStream('', { fd })
  try {
    await pipeline(
      Readable.from(bundleLines(store, id, watch.onProgress), { highWaterMark: 1 }),
      createGzip(),
      out,
      { signal: watch.signal },
    )
    renameSync(partial, file)
  } catch (err) {
    rmSync(partial, { force: true })
    if (err instanceof UserError) throw err
    if (watch.signal?.aborted) throw cancelled('export')
    throw cannotWrite(file, err)
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
  watch: BundleWatch = {},
): Promise<Session> {
  let session: BundleHeader['session'] | null = null
  let writer: SessionWriter | null = null
  const waiting = { rows: 0, bytes: 0 }
  const counts = Object.fromEntries(bundleTableNames.map((t) => [t, 0])) as Record<BundleTable, number>
  /** Checked together against each other and the session once it is read (see setMuteIntervals). */
  const intervals: MuteInterval[] = []
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
        waiting.bytes += add(store, writer!, item, intervals)
        if (++waiting.rows >= batch.rows || waiting.bytes >= batch.bytes) {
          writer!.flush()
          waiting.rows = waiting.bytes = 0
          watch.onProgress?.(rowsOf(counts), null)
          await new Promise((resolve) => setImmediate(resolve))
          if (watch.signal?.aborted) throw cancelled('import')
        }
      } else if (item.counts) checkCounts(item.counts, counts)
    }
    writer!.flush()
    watch.onProgress?.(rowsOf(counts), rowsOf(counts))
    const { status, statusReason, endedAt } = session!
    try {
      store.setMuteIntervals(writer!.sessionId, intervals)
    } catch (err) {
      throw new UserError(
        `the session bundle is damaged: ${errorMessage(err)}; export it again`,
        'bad_bundle',
      )
    }
    store.db
      .prepare(
        `UPDATE sessions SET status = ?, status_reason = ?, ended_at = ?, owner_pid = NULL WHERE id = ?`,
      )
      .run(status === 'running' ? 'interrupted' : status, statusReason, endedAt, writer!.sessionId)
    // A bundle of a session exported while muted: muted until its end, as a session that ends so is.
    store.setMuted(writer!.sessionId, false, endedAt ?? Date.now())
    return store.getSession(writer!.sessionId)
  } catch (err) {
    if (writer) store.deleteSession(writer.sessionId)
    throw err
  }
}

const rowsOf = (counts: Record<BundleTable, number>) => bundleTableNames.reduce((n, t) => n + counts[t], 0)

function cancelled(what: 'export' | 'import'): UserError {
  return new UserError(`the ${what} was cancelled; start it again`, 'cancelled')
}

/**
 * Buffers one row (a muted interval in `intervals`; a clock offset, one a device, is stored at once); returns
 * the bytes of capture data it adds to the batch.
 */
function add(
  store: SessionStore,
  writer: SessionWriter,
  item: Extract<BundleItem, { kind: 'row' }>,
  intervals: MuteInterval[],
): number {
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
    case 'micAccess':
      writer.addMicAccess(item.row)
      return 0
    case 'muteIntervals':
      intervals.push(item.row)
      return 0
    case 'clockOffsets':
      store.putClockOffset(writer.sessionId, item.row)
      return 0
  }
}

function checkCounts(
  declared: Partial<Record<BundleTable, number>>,
  read: Record<BundleTable, number>,
): void {
  for (const t of bundleTableNames)
    if ((declared[t] ?? 0) !== read[t])
      throw new UserError(
        `the session bundle is damaged: it holds ${read[t]} ${t} rows where its end line says ${declared[t]}; export it again`,
        'bad_bundle',
      )
}
