// `npm run bench:responsiveness`: the core's event-loop delay (perf_hooks.monitorEventLoopDelay, p99 and max)
// while the API does heavy work as the app asks for it: (a) exporting a large session (exportSession, then
// every exportSessionChunk as the UI downloads it) and (b) training the classifier (classifyStartTraining
// until classifyDone). Each runs with the jobs inline (as before) and on worker threads; the idle row is the
// machine's own noise (other processes taking the cores). A sample is the time between two turns of a 1 ms
// timer, so an idle loop shows ~1 ms. Goal: p99 < 50 ms.
// BENCH_CAPTURES (default 200,000 of BENCH_CAPTURE_BYTES = 1024) sizes the session; BENCH_EPOCHS (default 200)
// the training (n=7, batch 500).
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createApp, type App } from '../src/core/app'
import { SessionStore } from '../src/core/store/session-store'
import type { Reply } from '../src/shared/contract'
import { captureOf } from '../test/support/captures'
import { sharedData, tempDir } from '../test/support/helpers'

const captures = Number(process.env.BENCH_CAPTURES ?? 200_000)
const captureBytes = Number(process.env.BENCH_CAPTURE_BYTES ?? 1024)
const epochs = Number(process.env.BENCH_EPOCHS ?? 200)
const goalMs = 50

function ok<T>(reply: Reply): T {
  if (!reply.ok) throw new Error(reply.error.message)
  return reply.result as T
}

/** A finished session of `captures` captures (random bytes: they do not compress) and one telemetry record each. */
function largeSession(dataDir: string): number {
  const store = SessionStore.open({ dir: dataDir })
  const id = store.createSession({ name: 'large' }).id
  for (let done = 0; done < captures; done += 2000) {
    const ts = Array.from({ length: Math.min(2000, captures - done) }, (_, i) => done + i)
    store.appendCaptures(
      id,
      ts.map((t) => captureOf(new Uint8Array(randomBytes(captureBytes)), { t, conn: `c${t % 50}` })),
    )
    store.appendTelemetry(
      id,
      ts.map((t) => ({ t, host: 'h', path: '/metric/v1', conn: 'c0', fields: { audioMaxGain: t % 90 } })),
    )
  }
  store.finishSession(id, 'completed')
  store.close()
  return id
}

/** The main thread's event-loop delay while `work` runs. */
async function delayDuring(work: () => Promise<unknown>) {
  const h = monitorEventLoopDelay({ resolution: 1 })
  const started = performance.now()
  h.enable()
  await work()
  h.disable()
  const ms = (ns: number) => ns / 1e6
  return {
    seconds: (performance.now() - started) / 1000,
    p50: ms(h.percentile(50)),
    p99: ms(h.percentile(99)),
    max: ms(h.max),
  }
}

async function exportAndDownload(app: App, id: number): Promise<void> {
  const { transferId } = ok<{ transferId: string }>(await app.dispatch('exportSession', { id }))
  for (let offset = 0, done = false; !done;) {
    const chunk = ok<{ base64: string; done: boolean }>(
      await app.dispatch('exportSessionChunk', { transferId, offset }),
    )
    offset += Buffer.byteLength(chunk.base64, 'base64')
    done = chunk.done
  }
}

async function trainToEnd(app: App): Promise<void> {
  const ended = new Promise<void>((resolve, reject) => {
    const off = app.events.subscribe((name, payload) => {
      if (name !== 'classifyDone') return
      off()
      const { error } = payload as { error: string | null }
      if (error) reject(new Error(error))
      else resolve()
    })
  })
  ok(
    await app.dispatch('classifyStartTraining', {
      data: join(sharedData, 'paper-gains'),
      window: 7,
      epochs,
      batch: 500,
      seed: 1,
    }),
  )
  await ended
}

async function main(): Promise<void> {
  const dataDir = tempDir('mutescope-bench-responsiveness-')
  const t0 = performance.now()
  const id = largeSession(dataDir)
  console.log(
    `session: ${captures.toLocaleString('en')} captures of ${captureBytes} B and as many telemetry records ` +
      `(written in ${((performance.now() - t0) / 1000).toFixed(0)} s); training: n=7, batch 500, ${epochs} epochs`,
  )
  console.log(
    `${'event-loop delay'.padEnd(34)} ${'time'.padStart(7)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}`,
  )
  const worst: number[] = []
  const f = (x: number) => `${x.toFixed(1)} ms`.padStart(8)
  const row = (what: string, r: Awaited<ReturnType<typeof delayDuring>>) =>
    console.log(
      `${what.padEnd(34)} ${`${r.seconds.toFixed(1)} s`.padStart(7)} ${f(r.p50)} ${f(r.p99)} ${f(r.max)}`,
    )
  row('idle', await delayDuring(() => new Promise((resolve) => setTimeout(resolve, 5000))))
  // Worker threads first, so that the inline runs' garbage (and tfjs, loaded inline) does not weigh on them.
  for (const inline of [false, true]) {
    const app = createApp({ dataDir, transport: 'web', inlineJobs: inline })
    try {
      for (const [what, work] of [
        ['export + download', () => exportAndDownload(app, id)],
        ['training', () => trainToEnd(app)],
      ] as const) {
        const r = await delayDuring(work)
        if (!inline) worst.push(r.p99)
        row(`${what}, ${inline ? 'inline' : 'worker thread'}`, r)
      }
    } finally {
      await app.close()
    }
  }
  rmSync(dataDir, { recursive: true, force: true })
  const p99 = Math.max(...worst)
  console.log(
    `worst p99 on worker threads: ${p99.toFixed(1)} ms, goal < ${goalMs} ms: ${p99 < goalMs ? 'met' : 'NOT met'}`,
  )
}

void main()
