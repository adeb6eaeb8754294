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
  // 3: a running session's owner is its pid and that process's start time (a pid can be reused).
  `ALTER TABLE sessions ADD COLUMN owner_start INTEGER;`,
  // 4: egress: the packets and TLS secrets recorded beside a capture (files in a folder under the data dir).
  `CREATE TABLE egress (
    session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    folder TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('recording', 'recorded', 'unavailable')),
    reason TEXT
  );`,
  // 5: experiment plans and their queue of runs, one session each, so a crashed plan resumes where it was.
  `CREATE TABLE plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'waiting', 'completed', 'stopped', 'interrupted')),
    status_reason TEXT,
    created_at INTEGER NOT NULL,
    ended_at INTEGER,
    owner_pid INTEGER,
    owner_start INTEGER
  );
  CREATE TABLE plan_runs (
    plan_id INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    run INTEGER NOT NULL,
    condition_index INTEGER NOT NULL,
    repeat INTEGER NOT NULL,
    episode TEXT NOT NULL,
    session_id INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'interrupted', 'failed')),
    reason TEXT,
    started_at INTEGER,
    ended_at INTEGER,
    PRIMARY KEY (plan_id, run)
  );
  CREATE INDEX plan_runs_session ON plan_runs (session_id);`,
  // 6: the sample magnitudes of each second (the paper's own measures), and a session's calibration offset.
  `ALTER TABLE level_seconds ADD COLUMN abs_max REAL;
   ALTER TABLE level_seconds ADD COLUMN abs_mean REAL;
   ALTER TABLE sessions ADD COLUMN calibration_db REAL;`,
  // 7: the mic-access lane (per second, process and audio API: what the app read from the microphone) and
  // the intervals in which the app was muted.
  `CREATE TABLE mic_access (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    t INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    api TEXT NOT NULL,
    reads INTEGER NOT NULL,
    frames INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    rms_dbfs REAL,
    peak_dbfs REAL,
    PRIMARY KEY (session_id, t, pid, api)
  );
  CREATE TABLE mute_intervals (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    start_t INTEGER NOT NULL,
    end_t INTEGER,
    CHECK (end_t IS NULL OR end_t >= start_t)
  );
  CREATE INDEX mute_intervals_session ON mute_intervals (session_id, start_t);`,
  // 8: multi-device experiments: each record's device and target, and each device's clock offset against
  // this computer's, measured at its target's start (the best of several round trips, with its uncertainty).
  `ALTER TABLE telemetry ADD COLUMN device TEXT;
   ALTER TABLE telemetry ADD COLUMN target TEXT;
   CREATE TABLE clock_offsets (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    device TEXT NOT NULL,
    offset_ms REAL NOT NULL,
    uncertainty_ms REAL NOT NULL CHECK (uncertainty_ms >= 0),
    samples INTEGER NOT NULL,
    measured_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, device)
  );`,
]

export function migrate(db: Database.Database): void {
  // One write-locked transaction reads the version and applies what is missing: two processes opening a
  // new data folder at once then migrate it once, the second seeing the first's work.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number
    if (current > migrations.length) {
      throw new Error(
        `the database was written by a newer MuteScope (schema ${current}, this build knows ${migrations.length}); upgrade MuteScope`,
      )
    }
    for (let v = current; v < migrations.length; v++) {
      db.exec(migrations[v])
      db.pragma(`user_version = ${v + 1}`)
    }
  }).immediate()
}
