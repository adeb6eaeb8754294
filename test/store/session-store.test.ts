import { spawn } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UserError } from '../../src/core/errors'
import { processStartTime } from '../../src/core/process-start'
import { migrations } from '../../src/core/store/migrations'
import { SessionStore } from '../../src/core/store/session-store'
import { SessionWriter } from '../../src/core/store/session-writer'
import { captureOf } from '../support/captures'
import { tempDir } from '../support/helpers'
import { storesClosedAfterEach } from '../support/stores'

const store = storesClosedAfterEach()

describe('SessionStore', () => {
  it('migrates to the latest schema with WAL, FULL sync and foreign keys', () => {
    const s = store()
    expect(s.db.pragma('user_version', { simple: true })).toBe(migrations.length)
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(s.db.pragma('synchronous', { simple: true })).toBe(2)
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1)
  })

  it('refuses a database from a newer schema with a message naming the fix', () => {
    const dir = tempDir()
    const s = store(dir)
    s.db.pragma(`user_version = ${migrations.length + 1}`)
    s.close()
    expect(() => SessionStore.open({ dir })).toThrow(/newer MuteScope.*upgrade/)
  })

  it('creates, lists, searches, edits, finishes and deletes sessions with all their rows', () => {
    const s = store()
    const a = s.createSession({
      name: 'Friends S01',
      targetApp: 'Webex',
      distanceCm: 25,
      episodes: ['f.mp4'],
    })
    const b = s.createSession({ name: 'Office', targetApp: 'Zoom', activity: 'talking' })
    s.appendTelemetry(a.id, [{ t: 1, host: 'h', path: '/p', conn: 'c', fields: { audioMeanGain: 10 } }])
    s.appendLevelWindows(a.id, [
      {
        startT: 0,
        endT: 60_000,
        weighting: 'A',
        leq: -30,
        lmax: -20,
        lmin: -40,
        peak: -3,
        powerDb: 30,
        episode: 'f.mp4',
      },
    ])
    s.appendLevelSeconds(a.id, [{ t: 0, level: -31 }])
    s.appendEvents(a.id, [{ t: 2, kind: 'attach', detail: { pid: 4 } }])
    expect(s.listSessions().map((x) => x.id)).toEqual([b.id, a.id])
    expect(s.listSessions('webex').map((x) => x.id)).toEqual([a.id])
    expect(s.listSessions('talk').map((x) => x.id)).toEqual([b.id])
    expect(s.listSessions('100%').length).toBe(0)
    expect(s.listSessions('friends')[0]).toMatchObject({ telemetryCount: 1, windowCount: 1, distanceCm: 25 })

    expect(s.updateMeta(a.id, { notes: 'loud neighbour', activity: 'music' })).toMatchObject({
      notes: 'loud neighbour',
      activity: 'music',
      name: 'Friends S01',
    })
    expect(s.finishSession(a.id, 'completed')).toMatchObject({ status: 'completed', statusReason: null })
    s.deleteSession(a.id)
    expect(s.findSession(a.id)).toBeUndefined()
    for (const table of ['telemetry', 'level_windows', 'level_seconds', 'events']) {
      expect(s.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()).toEqual({ n: 0 })
    }
    expect(() => s.getSession(a.id)).toThrow(UserError)
  })

  it('commits a writer batch of every kind in one transaction', () => {
    const s = store()
    const id = s.createSession({}).id
    const w = new SessionWriter(s, id, 10_000, 3)
    w.addEvent('attach', { pid: 1 })
    w.addCapture({
      t: 1,
      conn: 'c',
      fn: 'SSL_write',
      module: 'm',
      dir: 'out',
      peer: '1.2.3.4:443',
      thread: 7,
      pid: 42,
      data: new Uint8Array([1, 2]),
    })
    expect(s.events(id)).toEqual([])
    w.addLevelSecond({ t: 1000, level: -20 }) // third row reaches maxRows: flushed together
    expect(s.events(id)).toHaveLength(1)
    expect(s.captures(id)[0]).toMatchObject({
      peer: '1.2.3.4:443',
      thread: 7,
      pid: 42,
      data: new Uint8Array([1, 2]),
    })
    expect(s.levelSeconds(id)).toEqual([{ t: 1000, level: -20 }])
  })

  it('keeps every committed row of a session whose process was SIGKILLed, and marks it interrupted', async () => {
    const dir = tempDir()
    const writer = await startWriter(dir, 20)
    await writer.kill()

    const s = store(dir)
    const session = s.getSession(writer.sessionId)
    expect(session.status).toBe('interrupted')
    expect(session.statusReason).toMatch(/ended unexpectedly/)
    const rows = s.telemetry(writer.sessionId).length
    // Everything reported committed is there, and only whole batches: no half-written batch.
    expect(rows).toBeGreaterThanOrEqual(writer.committed * 50)
    expect(rows % 50).toBe(0)
    expect(s.captures(writer.sessionId)).toHaveLength(rows)
  })

  it('does not interrupt a session whose recording process is still alive', async () => {
    const dir = tempDir()
    const writer = await startWriter(dir, 1) // another process, recording
    expect(store(dir).getSession(writer.sessionId).status).toBe('running')
    await writer.kill()
    expect(store(dir).getSession(writer.sessionId).status).toBe('interrupted')
  })

  it('does not take a process that reused the owner pid for the owner', () => {
    const dir = tempDir()
    const s = store(dir)
    const stranger = spawn('sleep', ['30'])
    const own = (start: number | null) => ({ pid: process.pid, start })
    const other = (start: number | null) => ({ pid: stranger.pid!, start })
    const strangerStart = processStartTime(stranger.pid!)
    const ourStart = processStartTime(process.pid)
    expect(strangerStart).not.toBeNull()
    const owners = {
      reused: other(strangerStart! - 1),
      reusedByUs: own(ourStart! - 1),
      alive: other(strangerStart),
      us: own(ourStart),
    }
    const ids = Object.fromEntries(
      Object.entries(owners).map(([name, o]) => {
        const id = s.createSession({ name }).id
        s.db
          .prepare(`UPDATE sessions SET owner_pid = ?, owner_start = ? WHERE id = ?`)
          .run(o.pid, o.start, id)
        return [name, id]
      }),
    )
    const recovered = store(dir)
    stranger.kill()
    const status = (name: string) => recovered.getSession(ids[name]).status
    expect(Object.keys(owners).map((name) => [name, status(name)])).toEqual([
      ['reused', 'interrupted'],
      ['reusedByUs', 'interrupted'],
      ['alive', 'running'],
      ['us', 'running'],
    ])
  })

  it('keeps its folder and files owner-only, and leaves no trace of a deleted session', () => {
    const dir = join(tempDir(), 'new', 'data')
    const s = store(dir)
    const marker = 'BEARER-SECRET-7f3a9c'
    const keep = s.createSession({ name: 'kept' }).id
    const gone = s.createSession({ name: 'deleted' }).id
    // A small capture (stored in a table page) and a large one (in overflow pages).
    s.appendCaptures(gone, [captureOf(`Authorization: ${marker}`), captureOf(`x=${marker};`.repeat(2000))])
    s.appendTelemetry(gone, [{ t: 1, host: marker, path: null, conn: null, fields: { token: marker } }])
    s.appendCaptures(keep, [captureOf('nothing secret')])
    const files = ['', '-wal', '-shm'].map((suffix) => s.path + suffix)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    for (const f of files) expect(statSync(f).mode & 0o777, f).toBe(0o600)
    s.db.pragma('wal_checkpoint(TRUNCATE)') // the rows now live in the database file itself
    expect(readFileSync(s.path).includes(marker)).toBe(true)

    s.deleteSession(gone)
    for (const f of files) expect(readFileSync(f).includes(marker), f).toBe(false)
    expect(s.captures(keep)).toHaveLength(1)
  })
})

/** crash-writer.ts in another process, recording into `dir`; resolves once it reports `batches` commits. */
async function startWriter(dir: string, batches: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'crash-writer.ts'), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let committed = 0
  let sessionId = 0
  await new Promise<void>((resolve, reject) => {
    child.on('exit', () => reject(new Error('writer exited before it was killed')))
    child.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        const m = /^(session|committed) (\d+)$/.exec(line)
        if (m?.[1] === 'session') sessionId = Number(m[2])
        if (m?.[1] === 'committed') committed = Number(m[2])
      }
      if (committed >= batches) resolve()
    })
  })
  child.removeAllListeners('exit')
  return {
    sessionId,
    get committed() {
      return committed
    },
    kill: () =>
      new Promise((resolve) => {
        child.once('exit', resolve)
        child.kill('SIGKILL')
      }),
  }
}
