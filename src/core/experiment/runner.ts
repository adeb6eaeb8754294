import {
  targetLabel,
  type ExperimentEvent,
  type ExperimentPlan,
  type ExperimentState,
  type TargetStatus,
} from '../../shared/contract/experiment'
import type {
  ClockOffset,
  LevelSecond,
  LevelWindow,
  MicAccessSecond,
  SessionStatus,
  TelemetryRecord,
} from '../../shared/model'
import { clockOffsetText } from '../../shared/clock-offset-text'
import { fewIntervalsWarning } from '../../shared/run-yield'
import type { EventHub } from '../api/event-hub'
import { probeAudio } from '../audio/decode'
import { expandPlaylists } from '../audio/playlist'
import type { FridaBackend } from '../capture/backend'
import { CaptureRun, type CaptureEnd } from '../capture/capture-run'
import { logRunEvents, unseenMessage } from '../capture/record'
import { EgressRun } from '../egress/egress-run'
import { storeDataDir } from '../egress/egress-store'
import { errorMessage, UserError } from '../errors'
import { readSettings } from '../settings'
import type { SessionStore } from '../store/session-store'
import { SessionWriter } from '../store/session-writer'
import { loadProfile, TelemetryDecoder } from '../telemetry'
import type { Player } from '../playback/player'
import type { RefvcaProcess } from '../refvca/process'
import {
  captureTarget,
  connectDevices,
  extraTargets,
  firstTag,
  initialStatuses,
  type ExtraTarget,
  type SeriesTag,
} from './device-targets'
import { Lifecycle, RunEnded, type Phase, type Run } from './lifecycle'
import type { ExperimentParts } from './parts'

type Outcome = { status: Exclude<SessionStatus, 'running'>; reason: string }
type ExperimentRun = Run<Outcome>

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
    processes: [],
    hooks: [],
    captures: 0,
    captureBytes: 0,
    telemetry: 0,
    windows: 0,
    muted: false,
    progress: null,
    lastError: null,
    finished: null,
  }
}

/**
 * Runs one muted-call experiment at a time: creates its session, plays the episodes into the microphone the
 * target listens to, captures the target's outgoing plaintext, decodes telemetry from it, and writes every
 * capture, record, level window and event to the store as it arrives while streaming them to the UI. It
 * stops on request, at the planned duration, when the playlist ends, or when the target goes away, and
 * always closes the session with a status and a reason. Its phases and what each run holds are kept by a
 * Lifecycle (lifecycle.ts): an end in any phase, even while starting, tears the run down exactly once.
 */
export class ExperimentRunner {
  private state: ExperimentState = idleState()
  private readonly life = new Lifecycle<Outcome>({
    onPhase: (phase) => this.onPhase(phase),
    onReleaseError: (what, err) => this.log('warning', `while stopping ${what}: ${errorMessage(err)}`),
  })
  private writer: SessionWriter | null = null
  private player: Player | null = null
  private finished: ExperimentState['finished'] = null
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

  /**
   * Resolves once the run is under way, or with the idle state when a stop came while it was starting.
   * Rejects when it failed or its target went away before it was under way; its session then ends with
   * that status and reason.
   */
  async start(given: ExperimentPlan): Promise<ExperimentState> {
    // M3U playlists become the episodes they name, so everything below plays and records files.
    const plan = { ...given, episodes: expandPlaylists(given.episodes) }
    const profile = loadProfile(plan.profile)
    const intervalS = plan.intervalS ?? profile.data.intervalS ?? 60
    // Multi-device: every device is found before anything starts; every record is then tagged.
    const extras = extraTargets(storeDataDir(this.store), plan)
    const tag = extras.length > 0 ? firstTag(plan) : null
    const run = this.life.begin()
    try {
      const session = this.store.createSession({
        ...plan.meta,
        name:
          plan.meta.name ||
          `${[targetLabel(plan.target), ...extras.map((e) => `${e.tag.target} on ${e.tag.device}`)].join(' + ')} · ` +
            new Date().toLocaleString(),
        targetApp: plan.meta.targetApp || (plan.target.kind === 'refvca' ? 'refvca (reference model)' : ''),
        os: plan.meta.os || (plan.host ? '' : `${process.platform}`),
        episodes: plan.episodes,
        profile: plan.profile,
        intervalS,
        // A plan that does not say takes the default calibration of Settings.
        calibrationDb:
          plan.meta.calibrationDb !== undefined
            ? plan.meta.calibrationDb
            : readSettings(storeDataDir(this.store)).calibrationDb,
      })
      this.writer = new SessionWriter(this.store, session.id)
      this.life.own(run, 'the session', (outcome) => this.closeSession(session.id, outcome))
      this.events.emit('sessionsChanged', { id: session.id, change: 'created' })
      this.problems = 0
      // Muted throughout: one interval from the session's start, closed when the session ends.
      if (plan.muted) this.store.setMuted(session.id, true, session.startedAt)
      this.state = {
        ...this.state,
        sessionId: session.id,
        startedAt: session.startedAt,
        plan,
        muted: plan.muted ?? false,
        ...(tag ? { targets: initialStatuses(tag, extras) } : {}),
      }
      this.publishState()
      let playlistS: number | null = 0
      for (const episode of plan.episodes) {
        const { durationS } = await probeAudio(episode)
        playlistS = durationS === null || playlistS === null ? null : playlistS + durationS
        this.life.check(run)
      }
      const few = fewIntervalsWarning(playlistS, plan.durationS, plan.loop, intervalS)
      if (few) this.log('warning', few)
      const output = await this.life.acquire(
        run,
        'the playback device',
        this.parts.prepareOutput({
          device: plan.outputDevice,
          playback: plan.playback ?? null,
          reference: plan.target.kind === 'refvca',
          owner: { sessionId: session.id, session: session.name },
          // A lab machine's clock, stored as a target's is; the samples it streams back are already converted.
          onClock: (clock) => {
            this.store.putClockOffset(session.id, clock)
            this.log(
              'info',
              `playing on ${plan.playback!.machine} via ${plan.playback!.device}: clock offset ${clockOffsetText(clock)}`,
            )
          },
        }),
        (o) => o.release(),
      )
      this.log('info', `playing into ${output.device}`)
      let reference: RefvcaProcess | null = null
      if (plan.target.kind === 'refvca') {
        reference = await this.life.acquire(
          run,
          'refvca',
          this.parts.startReference({ source: output.micSource, intervalS, mode: plan.refvca?.mode }),
          (r) => r.stop(),
        )
        this.log('info', `started refvca (pid ${reference.pid}), ${intervalS} s telemetry interval`)
      }
      const backend = await this.life.acquire(run, 'Frida', this.parts.openBackend(plan.backend), (b) =>
        b.close(),
      )
      this.log('info', `Frida ${backend.version} via the ${backend.kind} backend`)
      await this.startCapture(run, plan, reference, backend, this.startDecoder(run, profile, tag), tag)
      const hosts = await connectDevices(backend, extras)
      for (const extra of extras)
        await this.startTarget(run, backend, extra, hosts.get(extra.device.name) ?? null, profile, reference)
      await this.startPlayer(run, plan, output.device, intervalS)
      if (plan.durationS !== null)
        this.after(run, plan.durationS, { status: 'completed', reason: 'duration reached' })
      this.life.started(run)
      return this.state
    } catch (err) {
      const ended = err instanceof RunEnded
      // A step that fails after the run was ended fails because of that end, which is already reported.
      if (!ended && run.outcome === null) this.log('error', errorMessage(err))
      const outcome = await this.life.abort(run, { status: 'failed', reason: errorMessage(err) })
      // Stopped by the user while starting: not a failure, whatever the step in progress ran into.
      if (outcome.status === 'completed') return this.state
      if (ended) throw new UserError(`the experiment ended while starting: ${outcome.reason}`, 'run_ended')
      throw err
    }
  }

  /** Stops the run (also one that is still starting) and closes its session; concurrent calls share one stop. */
  async stop(
    outcome: Outcome = { status: 'completed', reason: 'stopped by the user' },
  ): Promise<ExperimentState> {
    await this.life.end(this.life.current, outcome)
    return this.state
  }

  pause(paused: boolean): ExperimentState {
    if (this.life.phase !== 'running' || !this.player) throw new UserError('no experiment is playing', 'idle')
    if (paused) this.player.pause()
    else this.player.resume()
    this.writer?.addEvent(paused ? 'playback-pause' : 'playback-resume')
    if (this.state.progress) this.state = { ...this.state, progress: { ...this.state.progress, paused } }
    this.publishState()
    return this.state
  }

  /**
   * Mutes or unmutes the app under test now, as the researcher does in the app: the session's muted interval
   * opens or closes at this moment. Saying the state it is in already changes nothing.
   */
  mute(muted: boolean): ExperimentState {
    const id = this.state.sessionId
    if (id === null || (this.life.phase !== 'running' && this.life.phase !== 'starting'))
      throw new UserError('no experiment is running; start one to mark when the app is muted', 'idle')
    if (muted === this.state.muted) return this.state
    this.store.setMuted(id, muted)
    this.writer?.addEvent('info', { message: muted ? 'the app was muted' : 'the app was unmuted' })
    this.state = { ...this.state, muted }
    this.publishState()
    return this.state
  }

  /** A decoder per target, so that streams from different machines never mix; its records carry `tag`. */
  private startDecoder(
    run: ExperimentRun,
    profile: ReturnType<typeof loadProfile>,
    tag: SeriesTag | null,
  ): TelemetryDecoder {
    const decoder = new TelemetryDecoder(profile)
    const from = tag ? ` (${tag.target} on ${tag.device})` : ''
    decoder.on('record', (decoded: TelemetryRecord) => {
      const r = tag ? { ...decoded, ...tag } : decoded
      this.writer?.addTelemetry(r)
      this.state = { ...this.state, telemetry: this.state.telemetry + 1 }
      if (tag) this.updateTarget(tag, (t) => ({ ...t, telemetry: t.telemetry + 1 }))
      this.emit({ type: 'telemetry', sessionId: this.state.sessionId!, record: r })
      this.publishStateSoon()
    })
    decoder.on('problem', (p) => {
      if (p.note) return this.log('info', `decoder${from}: ${p.message}`)
      this.problems++
      if (this.problems <= maxLoggedProblems)
        this.log('warning', `decoder skipped malformed data${from}: ${p.message}`)
      else if (this.problems === maxLoggedProblems + 1)
        this.log('warning', 'further decoder problems are not logged')
    })
    this.life.own(run, `the decoder${from}`, () => decoder.end())
    return decoder
  }

  private async startCapture(
    run: ExperimentRun,
    plan: ExperimentPlan,
    reference: RefvcaProcess | null,
    backend: FridaBackend,
    decoder: TelemetryDecoder,
    tag: SeriesTag | null,
  ) {
    // Released after the capture stops, before the session closes: the captures are flushed for its proof.
    const egress = plan.egress
      ? await this.life.acquire(
          run,
          'the egress recording',
          EgressRun.start(storeDataDir(this.store), plan.host),
          (e) => {
            this.writer?.flush()
            return e.finish().then((m) => this.log('info', m))
          },
        )
      : null
    if (egress?.unavailable)
      this.log('warning', `no egress proof, the run goes on without it: ${egress.unavailable}`)
    if (egress) egress.bind(this.store, this.state.sessionId!)
    const target = captureTarget(plan.target, plan.host, reference?.pid ?? null)
    const micAccess = plan.micAccess ?? false
    const capture = new CaptureRun(backend, this.parts.agentSource(), {
      host: plan.host,
      target: egress ? egress.target(target) : target,
      // Any target is its whole tree. refvca reads the microphone through a child (parec), which is its
      // audio path as an app's audio module is: followed for the mic-access lane, and otherwise left alone,
      // as its own telemetry sink always is (the server side, no part of the app).
      tree: plan.target.kind !== 'refvca' || micAccess,
      exclude: reference?.sinkPid ? [reference.sinkPid] : [],
      micAccess,
    })
    egress?.follow(capture)
    this.recordSeries(capture, decoder, tag ?? firstTag(plan), tag !== null)
    capture.on('attach', (a) => {
      const proc = { pid: a.pid, name: a.name, status: 'attached' as const, tls: [] }
      this.state = {
        ...this.state,
        targetPid: this.state.targetPid ?? a.pid,
        processes: [...this.state.processes, proc],
      }
      this.log('info', `attached to ${a.name || 'the target'} (pid ${a.pid})`)
    })
    capture.on('libraries', (libs, pid) => {
      const found = libs.map((l) => `${l.library} in ${l.module} (${l.how})`)
      this.updateProcess(pid, (p) => ({ ...p, tls: [...p.tls, ...found] }))
      for (const l of libs.filter((x) => x.how === 'unreachable'))
        this.log('warning', `pid ${pid}: ${l.detail}`)
    })
    capture.on('unseen', (u) => this.log('warning', unseenMessage(u)))
    capture.on('detach', (d) => this.updateProcess(d.pid, (p) => ({ ...p, status: 'exited' })))
    capture.on('hooks', (hooks) => {
      const known = new Set(this.state.hooks.map((h) => `${h.module}!${h.fn}`))
      const added = hooks
        .filter((h) => !known.has(`${h.module}!${h.fn}`))
        .map((h) => ({ fn: h.fn, module: h.module }))
      this.state = { ...this.state, hooks: [...this.state.hooks, ...added] }
      this.publishStateSoon()
    })
    capture.on('micAccess', (row: MicAccessSecond) => {
      this.writer?.addMicAccess(row)
      this.emit({
        type: 'micAccess',
        sessionId: this.state.sessionId!,
        seconds: [row],
        muted: this.state.muted,
      })
    })
    capture.on('warning', (w) => this.log('warning', w))
    // The target's exit or the backend's death, in whatever phase the run is: the first end decides.
    capture.on('end', (e: CaptureEnd) => void this.life.end(run, { status: e.status, reason: e.reason }))
    await this.life.acquire(run, 'the capture', capture.start(), () => capture.stop())
  }

  /**
   * One more target of a multi-device run, on its device (`host`), from the same playback. Losing its
   * device marks a gap in its series and the run goes on; it resumes when the device is back. Its end is
   * logged, not the run's: the plan's own target ends the run.
   */
  private async startTarget(
    run: ExperimentRun,
    backend: FridaBackend,
    extra: ExtraTarget,
    host: string | null,
    profile: ReturnType<typeof loadProfile>,
    reference: RefvcaProcess | null,
  ) {
    const { tag } = extra
    const decoder = this.startDecoder(run, profile, tag)
    const capture = new CaptureRun(backend, this.parts.agentSource(), {
      host,
      target: captureTarget(extra.target, host, null),
      exclude: reference?.sinkPid ? [reference.sinkPid] : [],
      // A lab device's processes come and go with its link: followed until the run stops.
      follow: host !== null,
    })
    this.recordSeries(capture, decoder, tag, true)
    capture.on('attach', (a) =>
      this.log('info', `${tag.device}: attached to ${a.name || tag.target} (pid ${a.pid})`),
    )
    capture.on('warning', (w) => this.log('warning', `${tag.device}: ${w}`))
    capture.on('end', (e: CaptureEnd) => {
      this.updateTarget(tag, (t) => ({ ...t, status: 'ended' }))
      if (!run.outcome)
        this.log('warning', `${tag.target} on ${tag.device} ended (${e.reason}); the run goes on without it`)
    })
    await this.life.acquire(run, `the capture on ${tag.device}`, capture.start(), () => capture.stop())
  }

  /**
   * What every target's capture records: its captures (decoded by its own decoder), its process events
   * (tagged with its device and target in a multi-device run), its clock offset, and its gaps.
   */
  private recordSeries(capture: CaptureRun, decoder: TelemetryDecoder, tag: SeriesTag, tagged: boolean) {
    const sessionId = this.state.sessionId!
    const detail = (d: unknown) => (tagged ? { ...(d as object), ...tag } : d)
    logRunEvents(capture, (kind, d) => this.writer?.addEvent(kind, detail(d)))
    capture.on('attach', (a) => {
      this.writer?.addEvent('attach', detail({ ...a, host: capture.opts.host }))
      if (!a.clock) return
      const clock: ClockOffset = { device: tag.device, ...a.clock, measuredAt: Date.now() }
      this.store.putClockOffset(sessionId, clock)
      this.updateTarget(tag, (t) => ({
        ...t,
        status: 'capturing',
        clock: t.clock && t.clock.uncertaintyMs <= clock.uncertaintyMs ? t.clock : clock,
      }))
      if (capture.opts.host !== null)
        this.log(
          'info',
          `${tag.device}: clock offset ${clockOffsetText(clock)} (${clock.samples} round trips)`,
        )
    })
    capture.on('capture', (c) => {
      this.writer?.addCapture(c)
      decoder.push(c)
      this.state = {
        ...this.state,
        captures: this.state.captures + 1,
        captureBytes: this.state.captureBytes + c.data.length,
      }
      this.publishStateSoon()
    })
    capture.on('deviceLost', (l) => {
      this.log(
        'warning',
        `${tag.device}: pid ${l.pid} is lost (${l.why}); its series has a gap, the run goes on`,
      )
      this.updateTarget(tag, (t) => ({ ...t, status: 'lost' }))
      this.emit({ type: 'device', sessionId, ...tag, status: 'lost', since: l.since, gapMs: null })
    })
    capture.on('deviceBack', (b) => {
      this.log('info', `${tag.device}: pid ${b.pid} is back after a ${(b.gapMs / 1000).toFixed(1)} s gap`)
      this.updateTarget(tag, (t) => ({ ...t, status: 'capturing' }))
      this.emit({ type: 'device', sessionId, ...tag, status: 'back', since: b.since, gapMs: b.gapMs })
    })
  }

  private updateTarget(tag: SeriesTag, change: (t: TargetStatus) => TargetStatus): void {
    const targets = this.state.targets
    if (!targets) return
    this.state = {
      ...this.state,
      targets: targets.map((t) => (t.device === tag.device && t.target === tag.target ? change(t) : t)),
    }
    this.publishStateSoon()
  }

  private async startPlayer(run: ExperimentRun, plan: ExperimentPlan, device: string, intervalS: number) {
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
      this.after(run, intervalS + tailGraceS, { status: 'completed', reason: 'playlist finished' })
    })
    player.on('error', (err) => {
      this.log('error', `playback failed: ${err.message}`)
      void this.life.end(run, { status: 'failed', reason: `playback failed: ${err.message}` })
    })
    const started = player.start().then(() => {
      this.player = player
      this.writer?.addEvent('playback-start', { episodes: plan.episodes, device })
    })
    await this.life.acquire(run, 'playback', started, async (_, outcome) => {
      this.player = null
      await player.stop()
      this.writer?.addEvent('playback-stop', { reason: outcome.reason })
    })
  }

  /** Ends the run with `outcome` after `seconds`, unless it ends first. */
  private after(run: ExperimentRun, seconds: number, outcome: Outcome): void {
    if (run.outcome) return
    const timer = setTimeout(() => void this.life.end(run, outcome), seconds * 1000)
    this.life.own(run, 'a timer', () => clearTimeout(timer))
  }

  /** The session is the first thing a run owns, so it is released last, once nothing else can write to it. */
  private closeSession(sessionId: number, outcome: Outcome): void {
    this.finished = { sessionId, status: outcome.status, reason: outcome.reason }
    if (outcome.status !== 'completed') this.writer?.addEvent('error', { reason: outcome.reason })
    this.writer?.flush()
    this.writer = null
    this.store.finishSession(sessionId, outcome.status, outcome.reason)
    this.events.emit('sessionsChanged', { id: sessionId, change: 'updated' })
    this.log(
      outcome.status === 'completed' ? 'info' : 'error',
      `session ${sessionId} ${outcome.status}: ${outcome.reason}`,
    )
  }

  private onPhase(phase: Phase): void {
    if (phase === 'starting') this.finished = null
    const finished = this.finished
    this.state =
      phase === 'idle'
        ? {
            ...idleState(),
            lastError: finished?.status === 'completed' ? null : (finished?.reason ?? null),
            finished,
          }
        : phase === 'starting'
          ? { ...idleState(), phase }
          : { ...this.state, phase }
    this.publishState()
  }

  private log(level: Extract<ExperimentEvent, { type: 'log' }>['level'], message: string): void {
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

  private updateProcess(
    pid: number,
    change: (p: ExperimentState['processes'][number]) => ExperimentState['processes'][number],
  ) {
    this.state = {
      ...this.state,
      processes: this.state.processes.map((p) => (p.pid === pid ? change(p) : p)),
    }
    this.publishStateSoon()
  }

  /** Counters change with every capture; the UI needs them a few times a second, not thousands. */
  private publishStateSoon(): void {
    this.stateTimer ??= setTimeout(() => this.publishState(), 250)
  }
}
