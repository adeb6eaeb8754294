import type { ExperimentEvent, ExperimentPlan, ExperimentState } from '../../shared/contract/experiment'
import type { LevelSecond, LevelWindow, SessionStatus, TelemetryRecord } from '../../shared/model'
import type { EventHub } from '../api/event-hub'
import { probeAudio } from '../audio/decode'
import type { FridaBackend, Target } from '../capture/backend'
import { CaptureRun, type CaptureEnd } from '../capture/capture-run'
import { parseSpawnCommand } from '../capture/spawn-argv'
import { errorMessage, UserError } from '../errors'
import type { SessionStore } from '../store/session-store'
import { SessionWriter } from '../store/session-writer'
import { loadProfile, TelemetryDecoder } from '../telemetry'
import type { Player } from '../playback/player'
import type { RefvcaProcess } from '../refvca/process'
import type { ExperimentParts } from './parts'

type Outcome = { status: Exclude<SessionStatus, 'running'>; reason: string }

/** Decoder complaints past this many per run are counted, not logged one by one. */
const maxLoggedProblems = 20
/** After the playlist ends, wait this long past one interval for the last interval's telemetry. */
const tailGraceS = 2

function idleState(): ExperimentState {
  return {
    phase: 'idle',
    sessionId: null,
    startedAt: null,
    plan: null,
    targetPid: null,
    hooks: [],
    captures: 0,
    captureBytes: 0,
    telemetry: 0,
    windows: 0,
    progress: null,
    lastError: null,
    finished: null,
  }
}

function captureTarget(plan: ExperimentPlan, ref: RefvcaProcess | null): Target {
  const t = plan.target
  if (t.kind === 'refvca') return { pids: [ref!.pid] }
  if (t.kind === 'pid') return { pids: [t.pid] }
  if (t.kind === 'name') return { name: t.name }
  return { spawn: parseSpawnCommand(t.command) }
}

function targetLabel(plan: ExperimentPlan): string {
  const t = plan.target
  return t.kind === 'refvca'
    ? 'refvca'
    : t.kind === 'pid'
      ? `pid ${t.pid}`
      : t.kind === 'name'
        ? t.name
        : t.command
}

/**
 * Runs one muted-call experiment at a time: creates its session, plays the episodes into the microphone the
 * target listens to, captures the target's outgoing plaintext, decodes telemetry from it, and writes every
 * capture, record, level window and event to the store as it arrives while streaming them to the UI. It
 * stops on request, at the planned duration, when the playlist ends, or when the target goes away, and
 * always closes the session with a status and a reason.
 */
export class ExperimentRunner {
  private state: ExperimentState = idleState()
  private writer: SessionWriter | null = null
  private player: Player | null = null
  private capture: CaptureRun | null = null
  private backend: FridaBackend | null = null
  private decoder: TelemetryDecoder | null = null
  private reference: RefvcaProcess | null = null
  private timers: NodeJS.Timeout[] = []
  private stopping: Promise<ExperimentState> | null = null
  private problems = 0
  private stateTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly store: SessionStore,
    private readonly events: EventHub,
    private readonly parts: ExperimentParts,
  ) {}

  current(): ExperimentState {
    return this.state
  }

  /** Resolves once the run is under way; a failure to start ends its session "failed" and rejects. */
  async start(plan: ExperimentPlan): Promise<ExperimentState> {
    if (this.state.phase !== 'idle') {
      throw new UserError('an experiment is already running; stop it before starting another', 'busy')
    }
    const profile = loadProfile(plan.profile)
    const intervalS = plan.intervalS ?? profile.data.intervalS ?? 60
    const session = this.store.createSession({
      ...plan.meta,
      name: plan.meta.name || `${targetLabel(plan)} · ${new Date().toLocaleString()}`,
      targetApp: plan.meta.targetApp || (plan.target.kind === 'refvca' ? 'refvca (reference model)' : ''),
      os: plan.meta.os || (plan.host ? '' : `${process.platform}`),
      episodes: plan.episodes,
      profile: plan.profile,
      intervalS,
    })
    this.events.emit('sessionsChanged', { id: session.id, change: 'created' })
    this.writer = new SessionWriter(this.store, session.id)
    this.problems = 0
    this.state = {
      ...idleState(),
      phase: 'starting',
      sessionId: session.id,
      startedAt: session.startedAt,
      plan,
    }
    this.publishState()
    try {
      for (const episode of plan.episodes) await probeAudio(episode)
      const output = await this.parts.prepareOutput(plan.outputDevice)
      this.log('info', `playing into ${output.device}`)
      if (plan.target.kind === 'refvca') {
        this.reference = await this.parts.startReference({ source: output.micSource, intervalS })
        this.log('info', `started refvca (pid ${this.reference.pid}), ${intervalS} s telemetry interval`)
      }
      await this.startDecoder(profile)
      await this.startCapture(plan)
      await this.startPlayer(plan, output.device, intervalS)
      if (plan.durationS !== null)
        this.after(plan.durationS, () => this.finishWith({ status: 'completed', reason: 'duration reached' }))
      this.state = { ...this.state, phase: 'running' }
      this.publishState()
      return this.state
    } catch (err) {
      this.log('error', errorMessage(err))
      await this.stop({ status: 'failed', reason: errorMessage(err) })
      throw err
    }
  }

  /** Stops the run and closes its session; concurrent calls share one stop. */
  stop(outcome: Outcome = { status: 'completed', reason: 'stopped by the user' }): Promise<ExperimentState> {
    if (this.state.phase === 'idle') return Promise.resolve(this.state)
    this.stopping ??= this.teardown(outcome).finally(() => (this.stopping = null))
    return this.stopping
  }

  pause(paused: boolean): ExperimentState {
    if (this.state.phase !== 'running' || !this.player)
      throw new UserError('no experiment is playing', 'idle')
    if (paused) this.player.pause()
    else this.player.resume()
    this.writer?.addEvent(paused ? 'playback-pause' : 'playback-resume')
    if (this.state.progress) this.state = { ...this.state, progress: { ...this.state.progress, paused } }
    this.publishState()
    return this.state
  }

  private finishWith(outcome: Outcome): void {
    void this.stop(outcome)
  }

  private async startDecoder(profile: ReturnType<typeof loadProfile>): Promise<void> {
    const decoder = new TelemetryDecoder(profile)
    decoder.on('record', (r: TelemetryRecord) => {
      this.writer?.addTelemetry(r)
      this.state = { ...this.state, telemetry: this.state.telemetry + 1 }
      this.emit({ type: 'telemetry', sessionId: this.state.sessionId!, record: r })
      this.publishStateSoon()
    })
    decoder.on('problem', (p) => {
      this.problems++
      if (this.problems <= maxLoggedProblems)
        this.log('warning', `decoder skipped malformed data: ${p.message}`)
      else if (this.problems === maxLoggedProblems + 1)
        this.log('warning', 'further decoder problems are not logged')
    })
    this.decoder = decoder
  }

  private async startCapture(plan: ExperimentPlan): Promise<void> {
    const backend = await this.parts.openBackend(plan.backend)
    this.backend = backend
    this.log('info', `Frida ${backend.version} via the ${backend.kind} backend`)
    const run = new CaptureRun(backend, this.parts.agentSource(), {
      host: plan.host,
      target: captureTarget(plan, this.reference),
    })
    run.on('attach', (a) => {
      this.writer?.addEvent('attach', { ...a, host: plan.host })
      this.state = { ...this.state, targetPid: a.pid }
      this.log('info', `attached to ${a.name || 'the target'} (pid ${a.pid})`)
    })
    run.on('hooks', (hooks) => {
      this.writer?.addEvent('hooks', hooks)
      const known = new Set(this.state.hooks.map((h) => `${h.module}!${h.fn}`))
      const added = hooks
        .filter((h) => !known.has(`${h.module}!${h.fn}`))
        .map((h) => ({ fn: h.fn, module: h.module }))
      this.state = { ...this.state, hooks: [...this.state.hooks, ...added] }
      this.publishStateSoon()
    })
    run.on('capture', (c) => {
      this.writer?.addCapture(c)
      this.decoder?.push(c)
      this.state = {
        ...this.state,
        captures: this.state.captures + 1,
        captureBytes: this.state.captureBytes + c.data.length,
      }
      this.publishStateSoon()
    })
    run.on('detach', (d) => this.writer?.addEvent('detach', d))
    run.on('warning', (w) => this.log('warning', w))
    run.on('end', (e: CaptureEnd) => {
      if (this.state.phase !== 'stopping') this.finishWith({ status: e.status, reason: e.reason })
    })
    this.capture = run
    await run.start()
  }

  private async startPlayer(plan: ExperimentPlan, device: string, intervalS: number): Promise<void> {
    const player = this.parts.createPlayer({
      episodes: plan.episodes,
      device,
      loop: plan.loop,
      windowS: intervalS,
    })
    player.on('window', (w: LevelWindow) => {
      this.writer?.addLevelWindow(w)
      this.state = { ...this.state, windows: this.state.windows + 1 }
      this.emit({ type: 'window', sessionId: this.state.sessionId!, window: w })
      this.publishStateSoon()
    })
    player.on('second', (s: LevelSecond) => {
      this.writer?.addLevelSecond(s)
      this.emit({ type: 'second', sessionId: this.state.sessionId!, second: s })
    })
    player.on('progress', (p) => {
      this.state = { ...this.state, progress: p }
      this.publishStateSoon()
    })
    player.on('end', () => {
      this.writer?.addEvent('playback-stop', { reason: 'playlist finished' })
      this.log('info', 'playlist finished; waiting for the last interval’s telemetry')
      this.after(intervalS + tailGraceS, () =>
        this.finishWith({ status: 'completed', reason: 'playlist finished' }),
      )
    })
    player.on('error', (err) => {
      this.log('error', `playback failed: ${err.message}`)
      this.finishWith({ status: 'failed', reason: `playback failed: ${err.message}` })
    })
    this.player = player
    await player.start()
    this.writer?.addEvent('playback-start', { episodes: plan.episodes, device })
  }

  private async teardown(outcome: Outcome): Promise<ExperimentState> {
    this.state = { ...this.state, phase: 'stopping' }
    this.publishState()
    for (const t of this.timers) clearTimeout(t)
    this.timers = []
    const quietly = async (what: string, fn: () => Promise<unknown> | unknown) => {
      try {
        await fn()
      } catch (err) {
        this.log('warning', `while stopping ${what}: ${errorMessage(err)}`)
      }
    }
    await quietly('playback', async () => {
      if (this.player) {
        await this.player.stop()
        this.writer?.addEvent('playback-stop', { reason: outcome.reason })
      }
    })
    await quietly('the capture', () => this.capture?.stop())
    await quietly('Frida', () => this.backend?.close())
    await quietly('the decoder', () => this.decoder?.end())
    await quietly('refvca', () => this.reference?.stop())
    const sessionId = this.state.sessionId!
    if (outcome.status !== 'completed') this.writer?.addEvent('error', { reason: outcome.reason })
    this.writer?.flush()
    // From here nothing may write to the session: it is closed.
    this.player = null
    this.capture = null
    this.backend = null
    this.decoder = null
    this.reference = null
    this.writer = null
    this.store.finishSession(sessionId, outcome.status, outcome.reason)
    this.events.emit('sessionsChanged', { id: sessionId, change: 'updated' })
    this.log(
      outcome.status === 'completed' ? 'info' : 'error',
      `session ${sessionId} ${outcome.status}: ${outcome.reason}`,
    )
    if (this.stateTimer) clearTimeout(this.stateTimer)
    this.stateTimer = null
    this.state = {
      ...idleState(),
      lastError: outcome.status === 'completed' ? null : outcome.reason,
      finished: { sessionId, status: outcome.status, reason: outcome.reason },
    }
    this.publishState()
    return this.state
  }

  private after(seconds: number, fn: () => void): void {
    this.timers.push(setTimeout(fn, seconds * 1000))
  }

  private log(level: 'info' | 'warning' | 'error', message: string): void {
    const sessionId = this.state.sessionId
    if (level !== 'info') this.writer?.addEvent(level === 'warning' ? 'warning' : 'error', { message })
    if (level === 'error') this.state = { ...this.state, lastError: message }
    this.emit({ type: 'log', sessionId, level, message, t: Date.now() })
  }

  private emit(e: ExperimentEvent): void {
    this.events.emit('experimentEvent', e)
  }

  private publishState(): void {
    if (this.stateTimer) clearTimeout(this.stateTimer)
    this.stateTimer = null
    this.emit({ type: 'state', state: this.state })
  }

  /** Counters change with every capture; the UI needs them a few times a second, not thousands. */
  private publishStateSoon(): void {
    this.stateTimer ??= setTimeout(() => this.publishState(), 250)
  }
}
