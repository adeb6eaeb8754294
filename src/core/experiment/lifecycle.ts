import type { z } from 'zod'
import type { experimentPhase } from '../../shared/contract/experiment'
import { within } from '../capture/within'
import { UserError } from '../errors'

export type Phase = z.infer<typeof experimentPhase>
type Step = 'begin' | 'started' | 'end' | 'ended'

/** How long one release may take: a part that hangs while stopping must not hold the runner in "stopping". */
export const releaseWaitMs = 15_000

/** Every allowed transition; anything else is refused in move(). */
const transitions: Record<Phase, Partial<Record<Step, Phase>>> = {
  idle: { begin: 'starting' },
  starting: { started: 'running', end: 'stopping' },
  running: { end: 'stopping' },
  stopping: { ended: 'idle' },
}

/** Thrown by check() and acquire() inside a start whose run was ended meanwhile (stop, target exit...). */
export class RunEnded extends Error {
  constructor() {
    super('the run ended while it was starting')
  }
}

interface Owned<O> {
  what: string
  release: (outcome: O) => unknown
}

/** One run, from begin() to idle: what ended it (the first end wins) and what it acquired. */
export class Run<O> {
  outcome: O | null = null
  readonly owned: Owned<O>[] = []
  tearingDown = false
  readonly done: Promise<void>
  resolveDone!: () => void

  constructor() {
    this.done = new Promise((resolve) => (this.resolveDone = resolve))
  }
}

export interface LifecycleHooks {
  onPhase(phase: Phase): void
  /** A release that threw: reported, and the other releases still run. */
  onReleaseError(what: string, err: unknown): void
}

/**
 * The experiment runner's lifecycle, idle → starting → running → stopping → idle, with every transition
 * checked in move(). A run owns each resource it acquired and releases them once, newest first, with the
 * outcome that ended it. An end (the user's stop, the target's exit, the backend's death, a playback error, a
 * failure) may come in any phase; the first decides the outcome. While running, end() tears the run down at
 * once; while starting, start() is in the middle of acquiring something, so it sees the end at its next
 * check() or acquire() and tears down through abort() once what it was acquiring is owned.
 */
export class Lifecycle<O> {
  private phaseNow: Phase = 'idle'
  private run: Run<O> | null = null

  constructor(private readonly hooks: LifecycleHooks) {}

  get phase(): Phase {
    return this.phaseNow
  }

  /** The run in progress (starting, running or stopping), null when idle. */
  get current(): Run<O> | null {
    return this.run
  }

  begin(): Run<O> {
    this.move('begin')
    this.run = new Run<O>()
    return this.run
  }

  /** Throws RunEnded when the starting run was ended meanwhile. */
  check(run: Run<O>): void {
    if (run.outcome !== null) throw new RunEnded()
  }

  /** Records something the run must release when it ends. */
  own(run: Run<O>, what: string, release: (outcome: O) => unknown): void {
    if (run.tearingDown) throw new Error(`${what} acquired while the run was being torn down`)
    run.owned.push({ what, release })
  }

  /** Awaits a resource, has the run own it, then checks that the run was not ended meanwhile. */
  async acquire<T>(
    run: Run<O>,
    what: string,
    pending: Promise<T>,
    release: (value: T, outcome: O) => unknown,
  ): Promise<T> {
    const value = await pending
    this.own(run, what, (outcome) => release(value, outcome))
    this.check(run)
    return value
  }

  started(run: Run<O>): void {
    this.check(run)
    this.move('started')
  }

  /**
   * Ends `run` with `outcome` unless something ended it first; resolves once it is torn down. Events of a
   * run that is already over (late detaches, timers) find it no longer current and change nothing.
   */
  end(run: Run<O> | null, outcome: O): Promise<void> {
    if (!run || run !== this.run) return Promise.resolve()
    if (run.outcome === null) {
      const wasRunning = this.phaseNow === 'running'
      run.outcome = outcome
      this.move('end')
      if (wasRunning) void this.tearDown(run)
    }
    return run.done
  }

  /** start()'s way out: ends the run with `outcome` unless it already ended, tears it down, returns the outcome. */
  async abort(run: Run<O>, outcome: O): Promise<O> {
    if (run.outcome === null) {
      run.outcome = outcome
      this.move('end')
    }
    await this.tearDown(run)
    return run.outcome
  }

  private async tearDown(run: Run<O>): Promise<void> {
    if (run.tearingDown) return run.done
    run.tearingDown = true
    for (const { what, release } of run.owned.reverse()) {
      try {
        await within(Promise.resolve(release(run.outcome!)), releaseWaitMs, `stopping ${what}`)
      } catch (err) {
        this.hooks.onReleaseError(what, err)
      }
    }
    this.run = null
    this.move('ended')
    run.resolveDone()
  }

  private move(step: Step): void {
    const to = transitions[this.phaseNow][step]
    if (!to && step === 'begin') {
      const wait = this.phaseNow === 'stopping' ? 'wait until it has stopped' : 'stop it'
      throw new UserError(`an experiment is ${this.phaseNow}; ${wait} before starting another`, 'busy')
    }
    if (!to) throw new Error(`experiment lifecycle: "${step}" is not allowed while ${this.phaseNow}`)
    this.phaseNow = to
    this.hooks.onPhase(to)
  }
}
