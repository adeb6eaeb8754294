import Database from 'better-sqlite3'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { egressRoot } from '../egress/egress-store'
import { UserError } from '../errors'
import { dataDir } from '../paths'
import { processAlive, processStartTime } from '../process-start'
import type {
  Capture,
  ClockOffset,
  LevelSecond,
  LevelWindow,
  MicAccessSecond,
  MuteInterval,
  Session,
  SessionEvent,
  SessionMetaInput,
  SessionPatch,
  SessionStatus,
  SessionSummary,
  TelemetryRecord,
} from '../../shared/model'
import { sessionMeta, sessionPatch } from '../../shared/model'
import { checkMuteIntervals } from './mute-intervals'
import { migrate } from './migrations'

interface SessionRow {
  id: number
  name: string
  target_app: string
  app_version: string
  os: string
  mic_mode: string
  microphone: string
  distance_cm: number | null
  activity: string
  episodes: string
  notes: string
  profile: string
  interval_s: number | null
  calibration_db: number | null
  started_at: number
  ended_at: number | null
  status: SessionStatus
  status_reason: string | null
}

const metaColumns = {
  name: 'name',
  targetApp: 'target_app',
  appVersion: 'app_version',
  os: 'os',
  micMode: 'mic_mode',
  microphone: 'microphone',
  distanceCm: 'distance_cm',
  activity: 'activity',
  episodes: 'episodes',
  notes: 'notes',
  profile: 'profile',
  intervalS: 'interval_s',
  calibrationDb: 'calibration_db',
} as const

function toSession(r: SessionRow): Session {
  return {
    id: r.id,
    name: r.name,
    targetApp: r.target_app,
    appVersion: r.app_version,
    os: r.os,
    micMode: r.mic_mode,
    microphone: r.microphone,
    distanceCm: r.distance_cm,
    activity: r.activity,
    episodes: JSON.parse(r.episodes) as string[],
    notes: r.notes,
    profile: r.profile,
    intervalS: r.interval_s,
    calibrationDb: r.calibration_db,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    status: r.status,
    statusReason: r.status_reason,
  }
}

function columnValue(key: keyof typeof metaColumns, value: unknown): unknown {
  return key === 'episodes' ? JSON.stringify(value) : value
}

/** The status reason of a session whose bundle is being imported; one left so by a crash is deleted. */
export const IMPORTING = 'importing a session bundle'

/** This process's start time, recorded with its pid so that a later process given the pid is not taken for it. */
const ownStart = processStartTime(process.pid)

/** The database holds captured plaintext: only its owner may read it (SQLite gives -wal and -shm its mode). */
function restrictToOwner(path: string): void {
  closeSync(openSync(path, 'a', 0o600))
  for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600)
}

export interface OpenOptions {
  /** Folder holding mutescope.db; defaults to the data directory. */
  dir?: string
  /** ':memory:' for tests that need no file. */
  file?: string
}

/**
 * The SQLite session store. Every append runs in one transaction, so a crash leaves whole batches or
 * nothing; synchronous=FULL makes a committed batch survive power loss, not just a process crash.
 */
export class SessionStore {
  readonly db: Database.Database
  readonly path: string
  private secondsCache: { sessionId: number; rows: readonly LevelSecond[] } | null = null

  private constructor(path: string) {
    this.path = path
    try {
      if (path !== ':memory:') restrictToOwner(path)
      this.db = new Database(path)
    } catch (err) {
      throw new UserError(`cannot open the session database ${path}: ${(err as Error).message}`)
    }
    // First, so that a second process opening the same new file waits instead of failing.
    this.db.pragma('busy_timeout = 5000')
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = FULL')
    this.db.pragma('foreign_keys = ON')
    // Deleted rows are overwritten with zeros, so a deleted session's captures leave no trace in the file.
    this.db.pragma('secure_delete = ON')
    migrate(this.db)
  }

  static open(opts: OpenOptions = {}): SessionStore {
    if (opts.dir && !opts.file) mkdirSync(opts.dir, { recursive: true, mode: 0o700 })
    const store = new SessionStore(opts.file ?? join(opts.dir ?? dataDir(), 'mutescope.db'))
    store.recoverCrashed()
    return store
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  /**
   * Sessions left "running" by a process that no longer exists become "interrupted"; their rows stay. The
   * owner is known by its pid and start time: a pid reused by another process does not keep a session alive.
   * An import cut short is deleted: its bundle still holds it.
   */
  recoverCrashed(): number[] {
    const running = this.db
      .prepare(`SELECT id, owner_pid, owner_start, status_reason FROM sessions WHERE status = 'running'`)
      .all() as {
      id: number
      owner_pid: number | null
      owner_start: number | null
      status_reason: string | null
    }[]
    const dead = running.filter(
      (r) =>
        !(r.owner_pid === process.pid && r.owner_start === ownStart) &&
        !processAlive(r.owner_pid, r.owner_start),
    )
    const mark = this.db.prepare(
      `UPDATE sessions SET status = 'interrupted', status_reason = ?, owner_pid = NULL, owner_start = NULL,
         ended_at = COALESCE((SELECT MAX(t) FROM events WHERE session_id = sessions.id), started_at)
       WHERE id = ?`,
    )
    const remove = this.db.prepare(`DELETE FROM sessions WHERE id = ?`)
    this.db.transaction(() => {
      for (const r of dead)
        if (r.status_reason === IMPORTING) remove.run(r.id)
        else {
          mark.run('the recording process ended unexpectedly (crash or kill)', r.id)
          this.closeMuteAtEnd(r.id)
        }
    })()
    return dead.map((r) => r.id)
  }

  createSession(meta: SessionMetaInput, startedAt = Date.now()): Session {
    const m = sessionMeta.parse(meta)
    const info = this.db
      .prepare(
        `INSERT INTO sessions (name, target_app, app_version, os, mic_mode, microphone, distance_cm, activity,
           episodes, notes, profile, interval_s, calibration_db, started_at, status, owner_pid, owner_start)
         VALUES (@name, @targetApp, @appVersion, @os, @micMode, @microphone, @distanceCm, @activity,
           @episodes, @notes, @profile, @intervalS, @calibrationDb, @startedAt, 'running', @pid, @start)`,
      )
      .run({ ...m, episodes: JSON.stringify(m.episodes), startedAt, pid: process.pid, start: ownStart })
    return this.getSession(Number(info.lastInsertRowid))
  }

  /** `endedAt`: when the session ended, if not now (a session imported from an earlier recording). */
  finishSession(
    id: number,
    status: Exclude<SessionStatus, 'running'>,
    reason: string | null = null,
    endedAt = Date.now(),
  ): Session {
    this.getSession(id)
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE sessions SET status = ?, status_reason = ?, ended_at = ?, owner_pid = NULL WHERE id = ?`,
        )
        .run(status, reason, endedAt, id)
      this.closeMuteAtEnd(id)
    })()
    return this.getSession(id)
  }

  /** Writes exactly the fields the patch names; every other field keeps its value. */
  updateMeta(id: number, patch: SessionPatch): Session {
    this.getSession(id)
    const parsed = sessionPatch.parse(patch) as Record<string, unknown>
    const keys = (Object.keys(parsed) as (keyof typeof metaColumns)[]).filter(
      (k) => k in metaColumns && parsed[k] !== undefined,
    )
    if (keys.length > 0) {
      const sets = keys.map((k) => `${metaColumns[k]} = @${k}`).join(', ')
      const values = Object.fromEntries(keys.map((k) => [k, columnValue(k, parsed[k])]))
      this.db.prepare(`UPDATE sessions SET ${sets} WHERE id = @id`).run({ ...values, id })
    }
    return this.getSession(id)
  }

  findSession(id: number): Session | undefined {
    const row = this.db.prepare(`SELECT * FROM sessions WHERE id = ?`).get(id) as SessionRow | undefined
    return row && toSession(row)
  }

  getSession(id: number): Session {
    const s = this.findSession(id)
    if (!s)
      throw new UserError(
        `no session with id ${id}; run "mutescope sessions list" to see the ids`,
        'not_found',
      )
    return s
  }

  listSessions(search = ''): SessionSummary[] {
    const like = `%${search.replace(/[\\%_]/g, (c) => '\\' + c)}%`
    const rows = this.db
      .prepare(
        `SELECT s.*,
           (SELECT COUNT(*) FROM telemetry WHERE session_id = s.id) AS telemetry_count,
           (SELECT COUNT(*) FROM captures WHERE session_id = s.id) AS capture_count,
           (SELECT COUNT(*) FROM level_windows WHERE session_id = s.id) AS window_count
         FROM sessions s
         WHERE ? = '' OR s.name LIKE ? ESCAPE '\\' OR s.target_app LIKE ? ESCAPE '\\'
           OR s.activity LIKE ? ESCAPE '\\' OR s.notes LIKE ? ESCAPE '\\' OR s.status LIKE ? ESCAPE '\\'
           OR CAST(s.id AS TEXT) = ?
         ORDER BY s.started_at DESC, s.id DESC`,
      )
      .all(search, like, like, like, like, like, search) as (SessionRow & {
      telemetry_count: number
      capture_count: number
      window_count: number
    })[]
    return rows.map((r) => ({
      ...toSession(r),
      telemetryCount: r.telemetry_count,
      captureCount: r.capture_count,
      windowCount: r.window_count,
    }))
  }

  /** A session restored from the same recording: same start, name and app (an import in progress aside). */
  findImported(s: Pick<Session, 'startedAt' | 'name' | 'targetApp'>): Session | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM sessions WHERE started_at = ? AND name = ? AND target_app = ?
           AND status_reason IS NOT ? ORDER BY id LIMIT 1`,
      )
      .get(s.startedAt, s.name, s.targetApp, IMPORTING) as SessionRow | undefined
    return row && toSession(row)
  }

  /** Deletes sessions and their rows in one transaction, leaving no trace (see deleteSession). */
  deleteSessions(ids: readonly number[]): number[] {
    const existing = ids.filter((id) => this.findSession(id) !== undefined)
    const folders = existing.flatMap((id) => this.egressFolders(id))
    const remove = this.db.prepare(`DELETE FROM sessions WHERE id = ?`)
    this.db.transaction(() => {
      for (const id of existing) remove.run(id)
    })()
    this.db.pragma('wal_checkpoint(TRUNCATE)')
    for (const f of folders) rmSync(f, { recursive: true, force: true })
    return existing
  }

  /** A session's recorded packets and TLS secrets live in a folder of their own, deleted with it. */
  private egressFolders(id: number): string[] {
    const rows = this.db.prepare(`SELECT folder FROM egress WHERE session_id = ?`).all(id) as {
      folder: string
    }[]
    return rows.map((r) => join(egressRoot(dirname(this.path)), basename(r.folder)))
  }

  /**
   * Deletes a session and its rows, leaving no trace: secure_delete zeroes the freed pages, and the
   * checkpoint empties the WAL, which still holds the pages as they were written.
   */
  deleteSession(id: number): void {
    this.getSession(id)
    this.deleteSessions([id])
  }

  appendTelemetry(sessionId: number, records: readonly TelemetryRecord[]): void {
    const stmt = this.db.prepare(
      `INSERT INTO telemetry (session_id, t, host, path, conn, fields, device, target)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.db.transaction(() => {
      for (const r of records)
        stmt.run(
          sessionId,
          r.t,
          r.host,
          r.path,
          r.conn,
          JSON.stringify(r.fields),
          r.device ?? null,
          r.target ?? null,
        )
    })()
  }

  /** Keeps a device's clock offset for the session: of several measurements, the most certain. */
  putClockOffset(sessionId: number, c: ClockOffset): void {
    this.db
      .prepare(
        `INSERT INTO clock_offsets (session_id, device, offset_ms, uncertainty_ms, samples, measured_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id, device) DO UPDATE SET offset_ms = excluded.offset_ms,
           uncertainty_ms = excluded.uncertainty_ms, samples = excluded.samples, measured_at = excluded.measured_at
         WHERE excluded.uncertainty_ms < clock_offsets.uncertainty_ms`,
      )
      .run(sessionId, c.device, c.offsetMs, c.uncertaintyMs, c.samples, c.measuredAt)
  }

  clockOffsets(sessionId: number): ClockOffset[] {
    return this.db
      .prepare(
        `SELECT device, offset_ms AS offsetMs, uncertainty_ms AS uncertaintyMs, samples, measured_at AS measuredAt
         FROM clock_offsets WHERE session_id = ? ORDER BY measured_at, device`,
      )
      .all(sessionId) as ClockOffset[]
  }

  appendCaptures(sessionId: number, captures: readonly Capture[]): void {
    const stmt = this.db.prepare(
      `INSERT INTO captures (session_id, t, conn, fn, module, dir, peer, thread, pid, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.db.transaction(() => {
      for (const c of captures)
        stmt.run(sessionId, c.t, c.conn, c.fn, c.module, c.dir, c.peer, c.thread, c.pid, Buffer.from(c.data))
    })()
  }

  appendLevelWindows(sessionId: number, windows: readonly LevelWindow[]): void {
    const stmt = this.db.prepare(
      `INSERT INTO level_windows (session_id, start_t, end_t, weighting, leq, lmax, lmin, peak, power_db, episode)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.db.transaction(() => {
      for (const w of windows)
        stmt.run(
          sessionId,
          w.startT,
          w.endT,
          w.weighting,
          w.leq,
          w.lmax,
          w.lmin,
          w.peak,
          w.powerDb,
          w.episode,
        )
    })()
  }

  appendLevelSeconds(sessionId: number, seconds: readonly LevelSecond[]): void {
    const stmt = this.db.prepare(
      `INSERT INTO level_seconds (session_id, t, level, abs_max, abs_mean) VALUES (?, ?, ?, ?, ?)`,
    )
    this.db.transaction(() => {
      for (const s of seconds) stmt.run(sessionId, s.t, s.level, s.absMax ?? null, s.absMean ?? null)
    })()
  }

  appendMicAccess(sessionId: number, rows: readonly MicAccessSecond[]): void {
    const stmt = this.db.prepare(
      `INSERT INTO mic_access (session_id, t, pid, api, reads, frames, bytes, rms_dbfs, peak_dbfs)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.db.transaction(() => {
      for (const r of rows)
        stmt.run(sessionId, r.t, r.pid, r.api, r.reads, r.frames, r.bytes, r.rmsDbfs, r.peakDbfs)
    })()
  }

  appendEvents(sessionId: number, events: readonly SessionEvent[]): void {
    const stmt = this.db.prepare(`INSERT INTO events (session_id, t, kind, detail) VALUES (?, ?, ?, ?)`)
    this.db.transaction(() => {
      for (const e of events) stmt.run(sessionId, e.t, e.kind, JSON.stringify(e.detail ?? null))
    })()
  }

  /** Rows of one session in one of its record tables. */
  count(
    table: 'telemetry' | 'captures' | 'level_windows' | 'level_seconds' | 'mic_access' | 'events',
    sessionId: number,
  ): number {
    return (
      this.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE session_id = ?`).get(sessionId) as {
        n: number
      }
    ).n
  }

  telemetry(sessionId: number): TelemetryRecord[] {
    const rows = this.db
      .prepare(
        `SELECT t, host, path, conn, fields, device, target FROM telemetry WHERE session_id = ? ORDER BY t, id`,
      )
      .all(sessionId) as (Omit<TelemetryRecord, 'fields'> & { fields: string })[]
    // Tagged only in multi-device sessions: the others' records read as they always have.
    return rows.map(({ device, target, ...r }) => ({
      ...r,
      fields: JSON.parse(r.fields) as TelemetryRecord['fields'],
      ...(device === null && target === null ? {} : { device, target }),
    }))
  }

  captures(sessionId: number, offset = 0, limit = -1): Capture[] {
    const rows = this.db
      .prepare(
        `SELECT t, conn, fn, module, dir, peer, thread, pid, data FROM captures WHERE session_id = ?
         ORDER BY id LIMIT ? OFFSET ?`,
      )
      .all(sessionId, limit, offset) as (Omit<Capture, 'data'> & { data: Buffer })[]
    return rows.map((r) => ({ ...r, data: new Uint8Array(r.data) }))
  }

  levelWindows(sessionId: number): LevelWindow[] {
    return this.db
      .prepare(
        `SELECT start_t AS startT, end_t AS endT, weighting, leq, lmax, lmin, peak, power_db AS powerDb, episode
         FROM level_windows WHERE session_id = ? ORDER BY start_t, id`,
      )
      .all(sessionId) as LevelWindow[]
  }

  /**
   * One-second levels, the largest series (86,400 rows a day). Opening a review reads them for the trace and
   * again for the analysis, so the last session's rows are kept while their count is unchanged.
   */
  levelSeconds(sessionId: number): readonly LevelSecond[] {
    const n = this.count('level_seconds', sessionId)
    const cached = this.secondsCache
    if (cached && cached.sessionId === sessionId && cached.rows.length === n) return cached.rows
    const rows = (
      this.db
        .prepare(
          `SELECT t, level, abs_max AS absMax, abs_mean AS absMean FROM level_seconds WHERE session_id = ? ORDER BY t`,
        )
        .all(sessionId) as {
        t: number
        level: number | null
        absMax: number | null
        absMean: number | null
      }[]
    ).map(
      // Seconds recorded before magnitudes were kept have none: they are left out, not null.
      ({ t, level, absMax, absMean }): LevelSecond =>
        absMax === null || absMean === null ? { t, level } : { t, level, absMax, absMean },
    )
    this.secondsCache = { sessionId, rows }
    return rows
  }

  /** What the app read from the microphone, per second, process and audio API, in time order. */
  micAccess(sessionId: number): MicAccessSecond[] {
    return this.db
      .prepare(
        `SELECT t, pid, api, reads, frames, bytes, rms_dbfs AS rmsDbfs, peak_dbfs AS peakDbfs
         FROM mic_access WHERE session_id = ? ORDER BY t, pid, api`,
      )
      .all(sessionId) as MicAccessSecond[]
  }

  /** When the app was muted, in time order; the last one's end is null while it still is. */
  muteIntervals(sessionId: number): MuteInterval[] {
    return this.db
      .prepare(
        `SELECT start_t AS start, end_t AS end FROM mute_intervals WHERE session_id = ? ORDER BY start_t, id`,
      )
      .all(sessionId) as MuteInterval[]
  }

  /** Adds one interval after checking it against the others and the session's span; returns them all. */
  addMuteInterval(sessionId: number, interval: MuteInterval): MuteInterval[] {
    return this.setMuteIntervals(sessionId, [...this.muteIntervals(sessionId), interval])
  }

  /**
   * Replaces a session's muted intervals (the review's edit) in one transaction, once they are found in
   * order, apart and within the session (see checkMuteIntervals); a refused edit changes nothing.
   */
  setMuteIntervals(sessionId: number, intervals: readonly MuteInterval[]): MuteInterval[] {
    const sorted = checkMuteIntervals(this.getSession(sessionId), intervals)
    const insert = this.db.prepare(`INSERT INTO mute_intervals (session_id, start_t, end_t) VALUES (?, ?, ?)`)
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM mute_intervals WHERE session_id = ?`).run(sessionId)
      for (const i of sorted) insert.run(sessionId, i.start, i.end)
    })()
    return this.muteIntervals(sessionId)
  }

  /**
   * The live toggle: muting opens an interval at t (end null), unmuting closes the open one at t. Saying
   * the state it is already in changes nothing, so two clients pressing Mute at once make one interval.
   */
  setMuted(sessionId: number, muted: boolean, t = Date.now()): MuteInterval[] {
    const all = this.muteIntervals(sessionId)
    const open = all.length > 0 && all[all.length - 1].end === null
    if (muted === open) return all
    // Clocks only move forward here: a toggle never reaches back before the interval it follows.
    const last = all[all.length - 1]
    return this.setMuteIntervals(
      sessionId,
      muted
        ? [...all, { start: Math.max(t, last?.end ?? t), end: null }]
        : [...all.slice(0, -1), { start: last.start, end: Math.max(t, last.start) }],
    )
  }

  /** A session that ended while muted was muted until its end. */
  private closeMuteAtEnd(sessionId: number): void {
    this.db
      .prepare(
        `UPDATE mute_intervals SET end_t = MAX(start_t, (SELECT ended_at FROM sessions WHERE id = ?))
         WHERE session_id = ? AND end_t IS NULL`,
      )
      .run(sessionId, sessionId)
  }

  events(sessionId: number): SessionEvent[] {
    const rows = this.db
      .prepare(`SELECT t, kind, detail FROM events WHERE session_id = ? ORDER BY t, id`)
      .all(sessionId) as { t: number; kind: SessionEvent['kind']; detail: string }[]
    return rows.map((r) => ({ t: r.t, kind: r.kind, detail: JSON.parse(r.detail) as unknown }))
  }
}
