import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/core/app'
import { UserError } from '../../src/core/errors'
import { JobRunner } from '../../src/core/jobs/runner'
import { SessionStore } from '../../src/core/store/session-store'
import { decodeBytes, loadProfile } from '../../src/core/telemetry'
import { events } from '../../src/shared/contract'
import { captureOf } from '../support/captures'
import { tempDir } from '../support/helpers'
import { packets, withLength } from '../telemetry/packets'

const dir = tempDir()
const store = SessionStore.open({ dir })
afterAll(() => store.close())
const workers = new JobRunner()
const inline = new JobRunner({ inline: true })

/** A finished session of `n` 1 KiB captures and as many telemetry records. */
function session(n: number): number {
  const id = store.createSession({ name: 'jobs' }).id
  for (let done = 0; done < n; done += 1000) {
    const page = Array.from({ length: Math.min(1000, n - done) }, (_, i) => done + i)
    store.appendCaptures(
      id,
      page.map((t) => captureOf(new Uint8Array(1024).fill(t % 251), { t })),
    )
    store.appendTelemetry(
      id,
      page.map((t) => ({ t, host: 'h', path: '/p', conn: 'c', fields: { gain: t } })),
    )
  }
  store.finishSession(id, 'completed')
  return id
}

/** A bundle's lines, its export time left out. */
function bundleLines(file: string): unknown[] {
  const [header, ...rows] = gunzipSync(readFileSync(file)).toString().trim().split('\n')
  const { exportedAt: _at, ...rest } = JSON.parse(header) as Record<string, unknown>
  return [rest, ...rows]
}

/** Counts the main thread's event-loop turns until stopped. */
function ticker() {
  let ticks = 0
  let on = true
  const turn = () => {
    ticks++
    if (on) setImmediate(turn)
  }
  setImmediate(turn)
  return () => ((on = false), ticks)
}

describe('jobs on worker threads', () => {
  it('an export reports its progress and writes the bundle the inline export writes', async () => {
    const id = session(5000)
    const progress: { rows: number; total: number | null }[] = []
    const file = join(dir, 'worker.jsonl.gz')
    const out = await workers.run(
      'exportBundle',
      { db: store.path, sessionId: id, file },
      { onProgress: (p) => progress.push(p) },
    )
    expect(out.bytes).toBe(readFileSync(file).length)
    // Telemetry and captures, one row each per tick of the session.
    expect(progress.length).toBeGreaterThan(10)
    expect(progress.every((p) => p.total === 10_000)).toBe(true)
    expect(progress.map((p) => p.rows)).toEqual([...progress.map((p) => p.rows)].sort((a, b) => a - b))
    expect(progress[progress.length - 1].rows).toBe(10_000)

    const same = join(dir, 'inline.jsonl.gz')
    await inline.run('exportBundle', { db: store.path, sessionId: id, file: same })
    expect(bundleLines(file)).toEqual(bundleLines(same))

    const back = await workers.run('importBundle', { db: store.path, file })
    expect(store.count('captures', back.id)).toBe(5000)
    expect(store.captures(back.id, 4999, 1)).toEqual(store.captures(id, 4999, 1))
  })

  it("the API reports an export's progress as jobProgress events", async () => {
    const app = createApp({ dataDir: tempDir(), transport: 'web' })
    try {
      const id = app.store.createSession({ name: 'api' }).id
      app.store.appendCaptures(
        id,
        Array.from({ length: 500 }, (_, t) => captureOf('x', { t })),
      )
      const seen: unknown[] = []
      app.events.subscribe((name, payload) => name === 'jobProgress' && seen.push(payload))
      expect(await app.dispatch('exportSession', { id })).toMatchObject({ ok: true })
      const progress = seen.map((p) => events.jobProgress.parse(p))
      expect(progress.length).toBeGreaterThan(1)
      expect(progress[progress.length - 1]).toEqual({
        job: 'exportSession',
        subject: String(id),
        stage: 'rows exported',
        done: 500,
        total: 500,
      })
    } finally {
      await app.close()
    }
  })

  it('an error in the worker arrives as its message, a UserError as a UserError', async () => {
    const id = session(10)
    const unwritable = join(dir, 'no-such-folder', 'x.jsonl.gz')
    const failed = workers.run('exportBundle', { db: store.path, sessionId: id, file: unwritable })
    await expect(failed).rejects.toThrow(UserError)
    await expect(failed).rejects.toThrow(/^cannot write .*no-such-folder.*; choose a writable path$/)
    await expect(
      workers.run('decodeTelemetry', { profile: 'nope', t: 0, input: { kind: 'captureLines', text: '' } }),
    ).rejects.toThrow(/profile "nope"/)
    // Input that is not the job's is refused in the worker: an internal error, not the user's.
    const bad = workers.run('exportBundle', { db: store.path, sessionId: -1, file: unwritable })
    await expect(bad).rejects.toThrow(/sessionId/)
    await expect(bad).rejects.not.toThrow(UserError)
  })

  it('a cancelled export stops in the worker and leaves no file', async () => {
    const id = session(20_000)
    const file = join(dir, 'cancelled.jsonl.gz')
    const abort = new AbortController()
    const run = workers.run(
      'exportBundle',
      { db: store.path, sessionId: id, file },
      { signal: abort.signal, onProgress: () => abort.abort() },
    )
    await expect(run).rejects.toThrow(/the export was cancelled/)
    expect(existsSync(file)).toBe(false)
  })

  it('the main event loop keeps turning while a worker decodes', async () => {
    const bytes = Buffer.concat(packets.map((p) => withLength(p)))
    const stop = ticker()
    const decoded = await workers.run('decodeTelemetry', {
      profile: 'webex',
      t: 5,
      input: { kind: 'bytes', base64: bytes.toString('base64') },
    })
    const ticks = stop()
    expect(decoded).toEqual(decodeBytes(bytes, loadProfile('webex'), { t: 5 }))
    expect(decoded.records).toHaveLength(packets.reduce((n, p) => n + p.truth.length, 0))
    // Decoding inline would hold the thread from start to end: no turn at all.
    expect(ticks).toBeGreaterThan(10)
  })
})
