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
  /** Resolves when the run is ended: what start() is waiting for is then given up on. */
  readonly ended: Promise<void>
  private resolveEnded!: () => void

  constructor() {
    this.done = new Promise((resolve) => (this.resolveDone = resolve))
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve))
  }

  /** The first end decides the outcome; returns whether this one did. */
  endWith(outcome: O): boolean {
    if (this.outcome !== null) return false
    this.outcome = outcome
    this.resolveEnded()
    return true
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
 * once; while starting, start() sees the end at once in acquire() (what it was acquiring is released when it
 * arrives) or at its next check(), and tears down through abort(). Each release is bounded in time.
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

  /**
   * Awaits a resource and has the run own it. A run ended meanwhile does not wait for it (a part that hangs
   * while starting must not hold up a stop): RunEnded is thrown at once, and the resource, should it still
   * come, is released as it arrives.
   */
  async acquire<T>(
    run: Run<O>,
    what: string,
    pending: Promise<T>,
    release: (value: T, outcome: O) => unknown,
  ): Promise<T> {
    const first = await Promise.race([pending.then((value) => ({ value })), run.ended.then(() => null)])
    if (first === null) {
      pending.then(
        (value) => void this.release(what, () => release(value, run.outcome!)),
        () => undefined, // it failed after the run had ended; nothing to release
      )
      throw new RunEnded()
    }
    this.own(run, what, (outcome) => release(first.value, outcome))
    this.check(run)
    return first.value
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
    const wasRunning = this.phaseNow === 'running'
    if (run.endWith(outcome)) {
      this.move('end')
      if (wasRunning) void this.tearDown(run)
    }
    return run.done
  }

  /** start()'s way out: ends the run with `outcome` unless it already ended, tears it down, returns the outcome. */
  async abort(run: Run<O>, outcome: O): Promise<O> {
    if (run.endWith(outcome)) this.move('end')
    await this.tearDown(run)
    return run.outcome!
  }

  private async tearDown(run: Run<O>): Promise<void> {
    if (run.tearingDown) return run.done
    run.tearingDown = true
    for (const { what, release } of run.owned.reverse()) await this.release(what, () => release(run.outcome!))
    this.run = null
    this.move('ended')
    run.resolveDone()
  }

  /** One release, bounded in time; what it throws is reported and the caller goes on. */
  private async release(what: string, release: () => unknown): Promise<void> {
    try {
      await within(Promise.resolve().then(release), releaseWaitMs, `stopping ${what}`)
    } catch (err) {
      this.hooks.onReleaseError(what, err)
    }
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
