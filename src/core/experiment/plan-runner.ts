import {
  experimentPlan,
  type ExperimentPlan,
  type ExperimentState,
  type ExperimentTarget,
} from '../../shared/contract/experiment'
import {
  conditionLabel,
  type PlanRecord,
  type PlanRun,
  type PlanSpec,
  type PlanTarget,
} from '../../shared/contract/plans'
import type { SessionStatus } from '../../shared/model'
import type { EventHub } from '../api/event-hub'
import { probeAudio } from '../audio/decode'
import { errorMessage, UserError } from '../errors'
import type { PlanStore, QueuedRun } from '../store/plan-store'
import { loadProfile } from '../telemetry'

/** What the plan runner needs of the experiment runner: its public API, one run at a time. */
export interface ExperimentControl {
  start(plan: ExperimentPlan): Promise<ExperimentState>
  stop(outcome?: { status: Ended; reason: string }): Promise<unknown>
  current(): ExperimentState
}

type Finished = NonNullable<ExperimentState['finished']>
/** How a run's session ended. */
type Ended = Exclude<SessionStatus, 'running'>

/** Seconds a run takes beyond its audio: starting Frida and refvca, and the last interval's telemetry. */
const runOverheadS = 8

/** The queue: for each condition (in order), each repeat plays each episode; one run, one session. */
export function expandQueue(spec: PlanSpec): QueuedRun[] {
  return spec.conditions.flatMap((_, condition) =>
    Array.from({ length: spec.repeats }, (_r, i) =>
      spec.episodes.map((episode) => ({ condition, repeat: i + 1, episode })),
    ).flat(),
  )
}

export function experimentTarget(t: PlanTarget): ExperimentTarget {
  if (t === 'refvca') return { kind: 'refvca' }
  if (typeof t === 'number') return { kind: 'pid', pid: t }
  if (typeof t === 'string') return { kind: 'name', name: t }
  return { kind: 'spawn', command: t.spawn }
}

/** The single experiment of one run of the plan. */
export function runPlanOf(spec: PlanSpec, run: PlanRun, total: number): ExperimentPlan {
  const c = spec.conditions[run.condition]
  return experimentPlan.parse({
    target: experimentTarget(spec.target),
    host: spec.host,
    backend: spec.backend,
    profile: spec.profile,
    episodes: [run.episode],
    outputDevice: spec.outputDevice ?? null,
    ...(spec.playback ? { playback: spec.playback } : {}),
    loop: false,
    durationS: spec.durationS ?? null,
    intervalS: spec.intervalS ?? null,
    meta: {
      ...c.meta,
      name:
        c.meta.name ||
        `${spec.name} · run ${run.run}/${total} · ${conditionLabel(c, run.condition)} · repeat ${run.repeat}`,
    },
    refvca: c.refvca,
    micAccess: spec.micAccess,
    muted: c.muted,
    ...(spec.targets
      ? { targets: spec.targets.map((t) => ({ device: t.device, target: experimentTarget(t.target) })) }
      : {}),
  })
}

/**
 * Seconds left of a running plan: each run still to do takes its audio (the planned duration, or its
 * episode's length) plus one interval and the start-up, scaled by how long the completed runs took against
 * that estimate; the run under way counts what it has left. null when a length is unknown.
 */
export function planEta(
  plan: PlanRecord,
  episodeS: ReadonlyMap<string, number | null>,
  intervalS: number,
  now = Date.now(),
): number | null {
  if (plan.status !== 'running' && plan.status !== 'waiting') return null
  const expected = (r: PlanRun): number | null => {
    const audio = plan.spec.durationS ?? episodeS.get(r.episode) ?? null
    return audio === null ? null : audio + intervalS + runOverheadS
  }
  let took = 0
  let planned = 0
  for (const r of plan.runs) {
    const e = expected(r)
    if (r.status !== 'completed' || r.startedAt === null || r.endedAt === null || e === null) continue
    took += (r.endedAt - r.startedAt) / 1000
    planned += e
  }
  const scale = planned > 0 ? took / planned : 1
  let left = 0
  for (const r of plan.runs) {
    if (r.status !== 'pending' && r.status !== 'running') continue
    const e = expected(r)
    if (e === null) return null
    const elapsed = r.status === 'running' && r.startedAt !== null ? (now - r.startedAt) / 1000 : 0
    left += Math.max(0, e * scale - elapsed)
  }
  return Math.round(left)
}

export interface PlanTiming {
  /** Seconds each episode plays (null where ffmpeg cannot tell). */
  episodeS: Map<string, number | null>
  intervalS: number
}

/**
 * What the ETA needs, found by checking that every episode is readable and the profile known: a bad path
 * fails the plan before its first run, not after hours of runs.
 */
export async function planTiming(spec: PlanSpec): Promise<PlanTiming> {
  const profile = loadProfile(spec.profile)
  const episodeS = new Map<string, number | null>()
  for (const e of spec.episodes) episodeS.set(e, (await probeAudio(e)).durationS)
  return { episodeS, intervalS: spec.intervalS ?? profile.data.intervalS ?? 60 }
}

interface Active extends PlanTiming {
  planId: number
  stop: { status: 'stopped' | 'interrupted'; reason: string } | null
  release: (() => void) | null
}

/**
 * Runs experiment plans: each run of the queue is one experiment (one session) on the experiment runner,
 * one after another, unattended. A failed run is recorded and the queue goes on; an instruction holds the
 * queue until continuePlan(); every run's outcome is committed as it ends, so a plan cut short (stop, crash)
 * resumes with the runs not yet completed.
 */
export class PlanRunner {
  private active: Active | null = null
  /** The queue last launched here, still awaitable after it ended. */
  private last: { planId: number; done: Promise<PlanRecord> } | null = null

  constructor(
    private readonly plans: PlanStore,
    private readonly events: EventHub,
    private readonly experiment: ExperimentControl,
  ) {}

  /** Checks the plan's episodes and profile, stores it and starts its queue. */
  async start(spec: PlanSpec): Promise<PlanRecord> {
    this.refuseIfBusy()
    const prepared = await planTiming(spec)
    this.refuseIfBusy()
    const planId = this.plans.create(spec, expandQueue(spec))
    return this.launch(planId, prepared)
  }

  /** Runs again every run of the plan that has not completed. */
  async resume(planId: number): Promise<PlanRecord> {
    this.refuseIfBusy()
    const plan = this.plans.get(planId)
    const left = plan.runs.filter((r) => r.status !== 'completed').length
    if (plan.status === 'running' || plan.status === 'waiting')
      throw new UserError(`plan ${planId} is ${plan.status} in another MuteScope process`, 'busy')
    if (left === 0) throw new UserError(`plan ${planId} has no runs left to do; every run completed`)
    const prepared = await planTiming(plan.spec)
    this.refuseIfBusy()
    this.plans.claim(planId)
    return this.launch(planId, prepared)
  }

  continue(planId: number): PlanRecord {
    const a = this.activeFor(planId)
    if (!a.release) throw new UserError(`plan ${planId} is not waiting for you to continue`)
    a.release()
    return this.record(planId)
  }

  async stop(
    planId: number,
    how: NonNullable<Active['stop']> = { status: 'stopped', reason: 'stopped by the user' },
  ): Promise<PlanRecord> {
    const a = this.activeFor(planId)
    a.stop ??= how
    a.release?.()
    await this.experiment.stop({ status: 'interrupted', reason: how.reason })
    return this.finished(planId)
  }

  /** The plan in progress ends "interrupted" (MuteScope is closing); resume picks it up again. */
  async close(): Promise<void> {
    if (this.active)
      await this.stop(this.active.planId, {
        status: 'interrupted',
        reason: 'MuteScope was closed during the plan',
      })
  }

  /** The plan as stored, with its ETA while it runs here. */
  record(planId: number): PlanRecord {
    const plan = this.plans.get(planId)
    const a = this.active
    return a?.planId === planId ? { ...plan, etaS: planEta(plan, a.episodeS, a.intervalS) } : plan
  }

  /** Resolves when the plan's queue is through (or stopped). */
  finished(planId: number): Promise<PlanRecord> {
    if (this.last?.planId !== planId)
      throw new UserError(`plan ${planId} is not running in this MuteScope; resume it first`, 'idle')
    return this.last.done
  }

  private refuseIfBusy(): void {
    if (this.active)
      throw new UserError(
        `plan ${this.active.planId} is running; stop it before starting another (one experiment runs at a time)`,
        'busy',
      )
  }

  private activeFor(planId: number): Active {
    if (this.active?.planId !== planId)
      throw new UserError(`plan ${planId} is not running in this MuteScope; resume it first`, 'idle')
    return this.active
  }

  private launch(planId: number, prepared: PlanTiming): PlanRecord {
    const active: Active = { planId, ...prepared, stop: null, release: null }
    this.active = active
    const done = this.drive(active).finally(() => {
      this.active = null
    })
    this.last = { planId, done }
    const record = this.record(planId)
    this.publish(planId)
    return record
  }

  private async drive(a: Active): Promise<PlanRecord> {
    const { spec, runs } = this.plans.get(a.planId)
    let lastCondition = -1
    try {
      for (const run of runs) {
        if (run.status !== 'pending') continue
        const instruction = spec.conditions[run.condition].instruction
        if (instruction && run.condition !== lastCondition) await this.waitForContinue(a)
        if (a.stop) break
        lastCondition = run.condition
        await this.execute(a, spec, run, runs.length)
        if (a.stop) break
      }
      const left = this.plans.get(a.planId).runs
      const failed = left.filter((r) => r.status === 'failed').length
      if (a.stop) this.plans.setStatus(a.planId, a.stop.status, a.stop.reason)
      else
        this.plans.setStatus(
          a.planId,
          'completed',
          failed ? `${failed} of ${left.length} runs failed; resume the plan to run them again` : null,
        )
    } catch (err) {
      this.plans.setStatus(a.planId, 'interrupted', errorMessage(err))
    }
    this.publish(a.planId)
    return this.plans.get(a.planId)
  }

  private waitForContinue(a: Active): Promise<void> {
    if (a.stop) return Promise.resolve()
    const released = new Promise<void>((resolve) => {
      a.release = () => {
        a.release = null
        if (!a.stop) this.plans.setStatus(a.planId, 'running')
        this.publish(a.planId)
        resolve()
      }
    })
    this.plans.setStatus(a.planId, 'waiting')
    // Listeners may continue at once (the CLI's --unattended), so the release is in place first.
    this.publish(a.planId)
    return released
  }

  /** One run: its experiment from start to its session's end; the outcome is committed either way. */
  private async execute(a: Active, spec: PlanSpec, run: PlanRun, total: number): Promise<void> {
    let sessionId: number | null = null
    let settle!: (f: Finished | null) => void
    const ended = new Promise<Finished | null>((resolve) => (settle = resolve))
    const unsubscribe = this.events.on('experimentEvent', (e) => {
      if (e.type !== 'state') return
      if (sessionId === null && e.state.sessionId !== null) {
        sessionId = e.state.sessionId
        this.plans.startRun(a.planId, run.run, sessionId)
        this.publish(a.planId)
      }
      if (e.state.phase === 'idle' && e.state.finished && e.state.finished.sessionId === sessionId)
        settle(e.state.finished)
    })
    this.plans.startRun(a.planId, run.run, null)
    this.publish(a.planId)
    let outcome: { status: Ended; reason: string | null }
    try {
      await this.experiment.start(runPlanOf(spec, run, total))
      // A stop that came while this run was being started found nothing to stop yet.
      if (a.stop) void this.experiment.stop({ status: 'interrupted', reason: a.stop.reason })
      const f = await ended
      outcome = { status: f!.status === 'running' ? 'interrupted' : f!.status, reason: f!.reason }
    } catch (err) {
      // A start refused before its session existed (another experiment is running) fails the run alone.
      const f = this.experiment.current().finished
      const mine = sessionId !== null && f?.sessionId === sessionId ? f : null
      outcome = {
        status: mine?.status === 'interrupted' ? 'interrupted' : 'failed',
        reason: errorMessage(err),
      }
    } finally {
      unsubscribe()
    }
    // A run the plan's stop cut short is to be done again on resume, whatever the session says.
    const status = a.stop ? 'interrupted' : outcome.status
    this.plans.endRun(a.planId, run.run, status, outcome.reason, sessionId)
    this.events.emit('planEvent', { type: 'run', planId: a.planId, run: run.run, sessionId, status })
    this.publish(a.planId)
  }

  private publish(planId: number): void {
    this.events.emit('planEvent', { type: 'plan', plan: this.record(planId) })
  }
}
