import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { UserError } from '../errors'
import type { JobContext } from './job'
import { errorOf, workerMessage } from './protocol'
import { execute, jobNamed, type JobInput, type JobName, type JobOutput, type JobProgress } from './registry'
import { workerFile } from './worker-file'

export interface RunOptions<P> {
  onProgress?: (p: P) => void
  /** Aborting asks the job to stop; one that does not within a few seconds has its thread ended. */
  signal?: AbortSignal
}

/** How long a cancelled job may take to stop by itself (close its files, delete a half import). */
const cancelGraceMs = 5000

function cancelled(name: string): UserError {
  return new UserError(`the ${name} job was cancelled; start it again`, 'cancelled')
}

/**
 * Runs heavy jobs (registry.ts) off the thread that serves the window and feeds real-time audio: each on a
 * worker thread of its own, at most `maxWorkers` at once (the others wait their turn). Progress, output and
 * errors coming back are checked against the job's schemas; a UserError in the worker arrives as a UserError
 * with its message. `inline` runs the same jobs on the calling thread (a CLI command with no UI to keep
 * responsive, or a comparison in a bench).
 */
export class JobRunner {
  private readonly maxWorkers: number
  private readonly inline: boolean
  private active = 0
  private closed = false
  /** Jobs waiting for their turn: start one, or drop it. */
  private readonly waiting: { go: () => void; drop: () => void }[] = []
  /** Cancels a running job and resolves when its thread has ended; run by close(). */
  private readonly running = new Set<() => Promise<void>>()

  constructor(opts: { inline?: boolean; maxWorkers?: number } = {}) {
    this.inline = opts.inline ?? false
    this.maxWorkers = opts.maxWorkers ?? Math.max(2, availableParallelism() - 1)
  }

  async run<N extends JobName>(
    name: N,
    input: JobInput<N>,
    opts: RunOptions<JobProgress<N>> = {},
  ): Promise<JobOutput<N>> {
    const job = jobNamed(name)
    const onProgress = (p: unknown) => opts.onProgress?.(job.progress.parse(p) as JobProgress<N>)
    if (this.inline) {
      const signal = opts.signal ?? new AbortController().signal
      return job.output.parse(await execute(name, input, { signal, progress: onProgress })) as JobOutput<N>
    }
    await this.turn(name, opts.signal)
    try {
      const output = await this.inWorker(name, input, onProgress, opts.signal)
      return job.output.parse(output) as JobOutput<N>
    } finally {
      this.release()
    }
  }

  /** Cancels every job, running or waiting, and waits until their threads have ended; no job starts after. */
  async close(): Promise<void> {
    this.closed = true
    for (const w of this.waiting.splice(0)) w.drop()
    await Promise.all([...this.running].map((cancel) => cancel()))
  }

  private inWorker(
    name: JobName,
    input: unknown,
    onProgress: JobContext<unknown>['progress'],
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const worker = new Worker(workerFile(), { workerData: { name, input } })
    return new Promise((resolve, reject) => {
      let settled = false
      let kill: NodeJS.Timeout | undefined
      const ended = new Promise<void>((done) => worker.once('exit', () => done()))
      const finish = (err: Error | null, output?: unknown) => {
        if (settled) return
        settled = true
        clearTimeout(kill)
        signal?.removeEventListener('abort', cancel)
        this.running.delete(cancelAndWait)
        void worker.terminate()
        if (err) reject(err)
        else resolve(output)
      }
      const cancel = () => {
        worker.postMessage({ kind: 'cancel' })
        kill ??= setTimeout(() => finish(cancelled(name)), cancelGraceMs)
      }
      const cancelAndWait = () => (cancel(), ended)
      this.running.add(cancelAndWait)
      if (signal?.aborted) cancel()
      signal?.addEventListener('abort', cancel, { once: true })

      worker.on('message', (raw: unknown) => {
        const m = workerMessage.safeParse(raw)
        if (!m.success)
          return finish(new Error(`the ${name} job sent a message that is not one of the protocol's`))
        if (m.data.kind === 'error') return finish(errorOf(m.data))
        if (m.data.kind === 'done') return finish(null, m.data.output)
        try {
          onProgress(m.data.progress)
        } catch (err) {
          finish(err as Error)
        }
      })
      // An exception the job did not catch, or an entry file that does not load.
      worker.on('error', (err) => finish(err))
      worker.on('exit', (code) =>
        finish(new Error(`the ${name} job's thread ended (exit code ${code}) before it finished`)),
      )
    })
  }

  /** Waits until fewer than maxWorkers jobs run; a job cancelled while waiting never starts. */
  private turn(name: string, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted || this.closed) return Promise.reject(cancelled(name))
    if (this.active < this.maxWorkers) {
      this.active++
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const entry = {
        go: () => {
          signal?.removeEventListener('abort', cancel)
          resolve()
        },
        drop: () => {
          signal?.removeEventListener('abort', cancel)
          reject(cancelled(name))
        },
      }
      const cancel = () => {
        this.waiting.splice(this.waiting.indexOf(entry), 1)
        entry.drop()
      }
      signal?.addEventListener('abort', cancel, { once: true })
      this.waiting.push(entry)
    })
  }

  /** Hands the finished job's turn to the next waiting one. */
  private release(): void {
    const next = this.waiting.shift()
    if (next) next.go()
    else this.active--
  }
}
