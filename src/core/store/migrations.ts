import type Database from 'better-sqlite3'

/**
 * Versioned schema migrations, applied in order; PRAGMA user_version records how many have run.
 * Append new migrations; never edit one that has shipped.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL DEFAULT '',
    target_app TEXT NOT NULL DEFAULT '',
    app_version TEXT NOT NULL DEFAULT '',
    os TEXT NOT NULL DEFAULT '',
    mic_mode TEXT NOT NULL DEFAULT '',
    microphone TEXT NOT NULL DEFAULT '',
    distance_cm REAL,
    activity TEXT NOT NULL DEFAULT '',
    episodes TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    profile TEXT NOT NULL DEFAULT '',
    interval_s REAL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
    status_reason TEXT,
    owner_pid INTEGER
  );
  CREATE INDEX sessions_status ON sessions (status);

  CREATE TABLE telemetry (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    t INTEGER NOT NULL,
    host TEXT,
    path TEXT,
    conn TEXT,
    fields TEXT NOT NULL
  );
  CREATE INDEX telemetry_session ON telemetry (session_id, t);

  CREATE TABLE captures (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    t INTEGER NOT NULL,
    conn TEXT NOT NULL,
    fn TEXT NOT NULL,
    module TEXT NOT NULL,
    dir TEXT NOT NULL CHECK (dir IN ('out', 'in')),
    peer TEXT,
    thread INTEGER,
    data BLOB NOT NULL
  );
  CREATE INDEX captures_session ON captures (session_id, id);

  CREATE TABLE level_windows (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    start_t INTEGER NOT NULL,
    end_t INTEGER NOT NULL,
    weighting TEXT NOT NULL,
    leq REAL,
    lmax REAL,
    lmin REAL,
    peak REAL,
    power_db REAL,
    episode TEXT
  );
  CREATE INDEX level_windows_session ON level_windows (session_id, start_t);

  CREATE TABLE level_seconds (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    t INTEGER NOT NULL,
    level REAL
  );
  CREATE INDEX level_seconds_session ON level_seconds (session_id, t);

  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    t INTEGER NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE INDEX events_session ON events (session_id, t);
  `,
  // 2: captures name the process they came from (an application is many processes).
  `ALTER TABLE captures ADD COLUMN pid INTEGER;`,
]

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > migrations.length) {
    throw new Error(
      `the database was written by a newer MuteScope (schema ${current}, this build knows ${migrations.length}); upgrade MuteScope`,
    )
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v])
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}
