import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { ExperimentPlan, ExperimentState } from '../../src/shared/contract/experiment'
import { EventHub } from '../../src/core/api/event-hub'
import type { FridaBackend } from '../../src/core/capture/backend'
import { Lifecycle, RunEnded, releaseWaitMs, type Phase } from '../../src/core/experiment/lifecycle'
import type { ExperimentParts } from '../../src/core/experiment/parts'
import { realParts } from '../../src/core/experiment/real-parts'
import { ExperimentRunner } from '../../src/core/experiment/runner'
import { Player } from '../../src/core/playback/player'
import { SessionStore } from '../../src/core/store/session-store'
import { repoRoot, startRun, tempDir } from '../support/helpers'

type Outcome = { status: string; reason: string }

/** A promise the test resolves when it chooses: holds a step of the run where the test wants it. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)),
  ])
}

/** Resolves once `cond()` holds (checked every 20 ms), failing after 30 s. */
function waitFor(cond: () => boolean, what: string): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const poll = () => (cond() ? resolve() : setTimeout(poll, 20))
      poll()
    }),
    30_000,
    what,
  )
}

describe('lifecycle: every step in every phase', () => {
  type Step = 'begin' | 'started' | 'end'
  const noHooks = { onPhase: () => {}, onReleaseError: () => {} }

  /** A lifecycle held in `phase`; in stopping, a release holds it there until `hold` opens. */
  function inPhase(phase: Phase) {
    const life = new Lifecycle<Outcome>(noHooks)
    const hold = gate()
    if (phase === 'idle') return { life, run: null, hold }
    const run = life.begin()
    life.own(run, 'held', () => hold.opened)
    if (phase !== 'starting') life.started(run)
    if (phase === 'stopping') void life.end(run, { status: 'completed', reason: 'stopped' })
    return { life, run, hold }
  }

  // What each step does in each phase: the phase it leads to, or how it is refused.
  const table: Record<Phase, Record<Step, Phase | 'busy' | 'refused' | 'ignored'>> = {
    idle: { begin: 'starting', started: 'refused', end: 'ignored' },
    starting: { begin: 'busy', started: 'running', end: 'stopping' },
    running: { begin: 'busy', started: 'refused', end: 'stopping' },
    stopping: { begin: 'busy', started: 'refused', end: 'ignored' },
  }
  const cases = Object.entries(table).flatMap(([phase, row]) =>
    Object.entries(row).map(([step, expected]) => ({ phase: phase as Phase, step: step as Step, expected })),
  )

  it.each(cases)('$step while $phase → $expected', async ({ phase, step, expected }) => {
    const { life, run, hold } = inPhase(phase)
    const other = { status: 'failed', reason: 'other' }
    const act = async () => {
      if (step === 'begin') life.begin()
      else if (step === 'started') life.started(run ?? new Lifecycle<Outcome>(noHooks).begin())
      else void life.end(run, other)
    }
    if (expected === 'busy') {
      await expect(act()).rejects.toThrow(/an experiment is (starting|running|stopping)/)
      expect(life.phase).toBe(phase)
    } else if (expected === 'refused') {
      await expect(act()).rejects.toThrow()
      expect(life.phase).toBe(phase)
    } else if (expected === 'ignored') {
      await act()
      expect(life.phase).toBe(phase)
      if (run) expect(run.outcome).toEqual({ status: 'completed', reason: 'stopped' })
    } else {
      await act()
      expect(life.phase).toBe(expected)
    }
    hold.open()
  })

  it('an end while starting is seen at the next check; teardown releases newest first, once', async () => {
    const released: string[] = []
    const life = new Lifecycle<Outcome>(noHooks)
    const run = life.begin()
    life.own(run, 'session', (o) => released.push(`session:${o.reason}`))
    life.own(run, 'output', () => released.push('output'))
    const stopped = life.end(run, { status: 'completed', reason: 'stop' })
    expect(life.phase).toBe('stopping')
    void life.end(run, { status: 'interrupted', reason: 'target exited' })
    expect(() => life.check(run)).toThrow(RunEnded)
    expect(released).toEqual([])
    await life.abort(run, { status: 'failed', reason: 'unused' })
    await stopped
    expect(released).toEqual(['output', 'session:stop'])
    expect(life.phase).toBe('idle')
  })

  it('an end while acquiring does not wait for it: what arrives later is released as it arrives', async () => {
    const released: string[] = []
    const life = new Lifecycle<Outcome>(noHooks)
    const run = life.begin()
    life.own(run, 'session', (o) => released.push(`session:${o.reason}`))
    const hung = gate()
    const acquiring = life.acquire(run, 'backend', hung.opened, (_, o) =>
      released.push(`backend:${o.reason}`),
    )
    const stopped = life.end(run, { status: 'completed', reason: 'stop' })
    await expect(acquiring).rejects.toBeInstanceOf(RunEnded)
    await life.abort(run, { status: 'failed', reason: 'unused' })
    await stopped
    expect(released).toEqual(['session:stop'])
    expect(life.phase).toBe('idle')
    hung.open()
    await expect.poll(() => released).toEqual(['session:stop', 'backend:stop'])
  })

  it('events of a finished run change nothing in the next one', async () => {
    const life = new Lifecycle<Outcome>(noHooks)
    const old = life.begin()
    life.started(old)
    await life.end(old, { status: 'completed', reason: 'stop' })
    const next = life.begin()
    life.started(next)
    await life.end(old, { status: 'interrupted', reason: 'late detach' })
    expect(life.phase).toBe('running')
    expect(next.outcome).toBeNull()
  })

  it('a release that throws is reported and the others still run', async () => {
    const errors: string[] = []
    const released: string[] = []
    const life = new Lifecycle<Outcome>({ onPhase: () => {}, onReleaseError: (what) => errors.push(what) })
    const run = life.begin()
    life.own(run, 'a', () => released.push('a'))
    life.own(run, 'b', () => {
      throw new Error('boom')
    })
    life.started(run)
    await life.end(run, { status: 'completed', reason: 'stop' })
    expect(errors).toEqual(['b'])
    expect(released).toEqual(['a'])
    expect(life.phase).toBe('idle')
  })

  it('a release that never finishes is reported after its time, and the run still reaches idle', async () => {
    vi.useFakeTimers()
    try {
      const errors: string[] = []
      const released: string[] = []
      const life = new Lifecycle<Outcome>({
        onPhase: () => {},
        onReleaseError: (what, err) => errors.push(`${what}: ${(err as Error).message}`),
      })
      const run = life.begin()
      life.own(run, 'a', () => released.push('a'))
      life.own(run, 'the player', () => new Promise(() => {}))
      life.started(run)
      const stopped = life.end(run, { status: 'completed', reason: 'stop' })
      await vi.advanceTimersByTimeAsync(releaseWaitMs - 1)
      expect(life.phase).toBe('stopping')
      await vi.advanceTimersByTimeAsync(1)
      await stopped
      expect(errors).toEqual([
        expect.stringMatching(/^the player: stopping the player did not finish within 15 s/),
      ])
      expect(released).toEqual(['a'])
      expect(life.phase).toBe('idle')
    } finally {
      vi.useRealTimers()
    }
  })
})

/*
 * The runner with its real parts (refvca, PulseAudio, pip's Frida, the player): each event in each phase.
 * Starting and stopping last a moment, so the test holds the run there with gates around real parts.
 */
describe('experiment runner: every event in every phase (real refvca, PulseAudio, Frida)', () => {
  const episode = join(repoRoot, 'resources', 'demo', 'demo-episode.opus')
  const plan: ExperimentPlan = {
    target: { kind: 'refvca' },
    host: null,
    backend: 'python',
    profile: 'webex',
    episodes: [episode],
    outputDevice: null,
    loop: true,
    durationS: null,
    intervalS: 2,
    meta: {},
  }

  beforeAll(() => {
    const r = spawnSync('bash', [join(repoRoot, 'scripts', 'pulseaudio.sh')], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`PulseAudio did not start: ${r.stderr}`)
  })

  type Hold = 'none' | 'backendOpen' | 'playerStart' | 'playerStop'

  function harness(hold: Hold) {
    const dataDir = tempDir()
    const store = SessionStore.open({ dir: dataDir })
    const events = new EventHub()
    const states: ExperimentState[] = []
    events.subscribe((name, payload) => {
      const e = payload as { type: string; state?: ExperimentState }
      if (name === 'experimentEvent' && e.type === 'state') states.push(e.state!)
    })
    const held = gate()
    const real = realParts(dataDir)
    const seen = { refvcaPid: 0, bridgePid: 0, backendCloses: 0, players: 0 }
    class HeldPlayer extends Player {
      override async start() {
        await super.start()
        if (hold === 'playerStart') await held.opened
      }
      override async stop() {
        if (hold === 'playerStop') await held.opened
        return super.stop()
      }
    }
    const parts: ExperimentParts = {
      ...real,
      async startReference(o) {
        const r = await real.startReference(o)
        seen.refvcaPid = r.pid
        return r
      },
      async openBackend(choice) {
        const b: FridaBackend = await real.openBackend(choice)
        seen.bridgePid = b.pid!
        const close = b.close.bind(b)
        b.close = () => {
          seen.backendCloses++
          return close()
        }
        if (hold === 'backendOpen') await held.opened
        return b
      },
      createPlayer(o) {
        seen.players++
        return new HeldPlayer(o)
      },
    }
    const runner = new ExperimentRunner(store, events, parts)
    const until = (pred: (s: ExperimentState) => boolean, what: string) =>
      waitFor(() => states.some(pred), what)
    return { store, runner, states, held, seen, until }
  }

  /** The player's audio output, a pacat started by this process; null while there is none. */
  function pacatPid(): number | null {
    const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    const row = out.split('\n').find((l) => l.trim().endsWith('pacat'))
    return row ? Number(row.trim().split(/\s+/)[0]) : null
  }

  type Event = 'stop' | 'target exit' | 'backend death' | 'playback error'
  function fire(h: ReturnType<typeof harness>, event: Event): void {
    if (event === 'stop') void h.runner.stop()
    else if (event === 'target exit') process.kill(h.seen.refvcaPid, 'SIGKILL')
    else if (event === 'backend death') process.kill(h.seen.bridgePid, 'SIGKILL')
    else process.kill(pacatPid()!, 'SIGKILL')
  }

  const ends: Record<Event, { status: string; reason: RegExp }> = {
    stop: { status: 'completed', reason: /^stopped by the user$/ },
    'target exit': { status: 'interrupted', reason: /^target exited$/ },
    'backend death': { status: 'failed', reason: /^Frida backend died/ },
    'playback error': { status: 'failed', reason: /^playback failed: the audio output stopped/ },
  }
  const allowed = new Set([
    'idle>starting',
    'starting>running',
    'starting>stopping',
    'running>stopping',
    'stopping>idle',
  ])

  /** What must hold after every case: one clean pass through the phases, the session closed as expected. */
  async function settled(h: ReturnType<typeof harness>, end: { status: string; reason: RegExp }) {
    await h.until((s) => s.phase === 'idle' && s.finished !== null, 'the run to end')
    const phases = h.states.map((s) => s.phase).filter((p, i, all) => i === 0 || all[i - 1] !== p)
    for (let i = 1; i < phases.length; i++) expect(allowed).toContain(`${phases[i - 1]}>${phases[i]}`)
    expect(phases.filter((p) => p === 'idle')).toHaveLength(1)
    for (const s of h.states) if (s.phase === 'running') expect(s.sessionId).not.toBeNull()
    const finished = h.runner.current().finished!
    expect(finished.status).toBe(end.status)
    expect(finished.reason).toMatch(end.reason)
    const session = h.store.getSession(finished.sessionId)
    expect(session.status).toBe(end.status)
    expect(session.statusReason).toMatch(end.reason)
    expect(h.seen.backendCloses).toBe(1)
    // A later start is accepted (it fails on its episode, not with "an experiment is stopping").
    await expect(h.runner.start({ ...plan, episodes: ['/nonexistent/episode.opus'] })).rejects.toThrow(
      /nonexistent/,
    )
    h.store.close()
  }

  const events: Event[] = ['stop', 'target exit', 'backend death', 'playback error']

  it('stop while starting, before the player: Frida closed, the player never made, the next start accepted', async () => {
    const h = harness('backendOpen')
    const started = h.runner.start(plan)
    await waitFor(() => h.seen.bridgePid !== 0, 'the backend to open')
    fire(h, 'stop')
    await h.until((s) => s.phase === 'stopping', 'stopping')
    h.held.open()
    expect((await within(started, 30_000, 'start')).phase).toBe('idle')
    expect(h.seen.players).toBe(0)
    await settled(h, ends.stop)
  })

  it.each(events)('%s while starting (player started, run not yet under way)', async (event) => {
    const h = harness('playerStart')
    const started = h.runner.start(plan).then(
      (s) => ({ ok: true as const, s }),
      (err: Error) => ({ ok: false as const, err }),
    )
    await h.until((s) => s.phase === 'starting' && s.targetPid !== null, 'the target to be attached')
    await waitFor(() => pacatPid() !== null, 'the player to start')
    fire(h, event)
    await h.until((s) => s.phase === 'stopping', 'the event to be seen')
    h.held.open()
    const result = await within(started, 30_000, 'start')
    // A stop while starting is no failure; anything else ending the start is reported by start().
    expect(result.ok ? null : result.err.message).toEqual(
      event === 'stop' ? null : expect.stringMatching(/^the experiment ended while starting: /),
    )
    await settled(h, ends[event])
  })

  it.each(events)('%s while running', async (event) => {
    const h = harness('none')
    const s = await within(h.runner.start(plan), 30_000, 'start')
    expect(s).toMatchObject({ phase: 'running', sessionId: expect.any(Number) })
    fire(h, event)
    await settled(h, ends[event])
  })

  it.each(events)('%s while stopping: the first end stands, torn down once', async (event) => {
    const h = harness('playerStop')
    await within(h.runner.start(plan), 30_000, 'start')
    const stopping = h.runner.stop()
    await h.until((s) => s.phase === 'stopping', 'stopping')
    fire(h, event)
    h.held.open()
    expect((await within(stopping, 30_000, 'stop')).phase).toBe('idle')
    await settled(h, ends.stop)
  })

  it('stop while idle changes nothing', async () => {
    const h = harness('none')
    expect((await h.runner.stop()).phase).toBe('idle')
    expect(h.states).toEqual([])
    h.store.close()
  })
})

describe('Ctrl-C in `mutescope run` while it starts', () => {
  it('ends the session "completed" with its microphone removed, and exits 0', async () => {
    const dataDir = tempDir()
    const episode = join(repoRoot, 'resources', 'demo', 'demo-episode.opus')
    const run = startRun(dataDir, ['--target', 'refvca', '--episode', episode, '--interval', '2', '--loop'])
    // Logged before refvca and Frida start, which take a second or more.
    const [, device] = await run.seen(/playing into (\S+)/)
    run.child.kill('SIGINT')
    const end = await run.end()
    expect(end.code, end.stderr).toBe(0)
    expect(end.last).toMatchObject({ sessionId: 1, status: 'completed' })
    const store = SessionStore.open({ dir: dataDir })
    expect(store.getSession(1)).toMatchObject({ status: 'completed', statusReason: 'stopped by the user' })
    store.close()
    expect(execFileSync('pactl', ['list', 'short', 'sinks'], { encoding: 'utf8' })).not.toContain(device)
  })
})
