import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { fisherZTest } from '../../src/core/analysis/stats'
import { createApp } from '../../src/core/app'
import type { ExperimentEvent } from '../../src/shared/contract/experiment'
import { planSpec, type PlanEvent, type PlanRecord } from '../../src/shared/contract/plans'
import { runPlanOf } from '../../src/core/experiment/plan-runner'
import { cliPath, repoRoot, runCli, tempDir } from '../support/helpers'

/** Pink noise in 3 s steps of very different loudness: a short episode whose level swings. */
function steppedNoise(dir: string, steps = [0.02, 0.5, 0.08, 0.9, 0.01]): string {
  const file = join(dir, 'steps.wav')
  const synth = steps.flatMap((v, i) => [...(i ? [':'] : []), 'synth', '3', 'pinknoise', 'vol', String(v)])
  const made = spawnSync('sox', ['-n', '-r', '48000', '-c', '1', file, ...synth], { encoding: 'utf8' })
  if (made.status !== 0) throw new Error(`sox failed: ${made.stderr}`)
  return file
}

function writePlan(dir: string, plan: object, name = 'plan.json'): string {
  const file = join(dir, name)
  writeFileSync(file, JSON.stringify(plan))
  return file
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

const twoModes = {
  name: 'mic modes',
  target: 'refvca',
  episodes: ['steps.wav'],
  intervalS: 2,
  repeats: 2,
  conditions: [
    { meta: { micMode: 'music' }, refvca: { mode: 'music' } },
    {
      meta: { micMode: 'noise-removal' },
      refvca: { mode: 'noise-removal' },
      instruction: 'Switch the app to noise removal',
    },
  ],
}

beforeAll(() => {
  const pulse = spawnSync('bash', [join(repoRoot, 'scripts', 'pulseaudio.sh')], { encoding: 'utf8' })
  if (pulse.status !== 0) throw new Error(`PulseAudio did not start: ${pulse.stderr}`)
})

describe('a plan run becomes one experiment', () => {
  it("carries the plan's mic-access switch and its condition's mute, named in the session", () => {
    const spec = planSpec.parse({
      ...twoModes,
      micAccess: true,
      conditions: [
        { meta: { micMode: 'music' }, muted: true },
        { meta: { micMode: 'music' }, muted: false },
      ],
    })
    const first = {
      run: 1,
      condition: 0,
      repeat: 1,
      episode: 'steps.wav',
      sessionId: null,
      status: 'pending' as const,
      reason: null,
      startedAt: null,
      endedAt: null,
    }
    expect(runPlanOf(spec, first, 2)).toMatchObject({ micAccess: true, muted: true })
    expect(runPlanOf(spec, first, 2).meta.name).toMatch(/micMode music, muted/)
    expect(runPlanOf(spec, { ...first, run: 2, condition: 1 }, 2)).toMatchObject({ muted: false })
    expect(runPlanOf(planSpec.parse(twoModes), first, 2).micAccess).toBeUndefined()
  })
})

describe('plan files are checked before anything runs', () => {
  it('names each problem where it is in the file', () => {
    const dir = tempDir()
    const file = writePlan(dir, {
      ...twoModes,
      repeats: 0,
      conditions: [{ meta: { micMod: 'music' } }],
    })
    const r = runCli(['plan', 'run', file, '--json'], { dataDir: dir })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/repeats: Too small/)
    expect(r.stderr).toMatch(/conditions\[0\]\.meta: Unrecognized key: "micMod"/)
    expect(r.stdout).toBe('')
  })

  it('reads YAML plans named .yaml, with the same checks', () => {
    const dir = tempDir()
    const file = join(dir, 'plan.yaml')
    writeFileSync(
      file,
      [
        'name: distances',
        'target: refvca',
        'episodes: [steps.wav]',
        'conditions:',
        '  - meta: { distanceCm: 25 }',
        '  - meta: { distanceCm: far }',
      ].join('\n'),
    )
    const r = runCli(['plan', 'run', file], { dataDir: dir })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(
      /conditions\[1\]\.meta\.distanceCm: Invalid input: expected number, received string/,
    )
    writeFileSync(file, 'name: [unclosed')
    expect(runCli(['plan', 'run', file], { dataDir: dir }).stderr).toMatch(/is not valid YAML/)
  })

  it('refuses a missing episode, and instructions with no terminal to press Enter on', () => {
    const dir = tempDir()
    const missing = runCli(['plan', 'run', writePlan(dir, twoModes), '--unattended'], { dataDir: dir })
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/steps\.wav does not exist; check the path/)
    steppedNoise(dir)
    const waiting = runCli(['plan', 'run', join(dir, 'plan.json')], { dataDir: dir })
    expect(waiting.status).toBe(1)
    expect(waiting.stderr).toMatch(/stdin is not a terminal.*--unattended/)
    expect(jsonLines(runCli(['plan', 'list', '--json'], { dataDir: dir }).stdout)).toEqual([[]])
  })
})

describe('experiment plans against refvca', () => {
  it(
    'runs 2 conditions × 1 episode × 2 repeats unattended, and compare reports both groups and their difference',
    { timeout: 300_000 },
    () => {
      const dir = tempDir()
      steppedNoise(dir)
      const run = runCli(['plan', 'run', writePlan(dir, twoModes), '--json', '--unattended'], {
        dataDir: dir,
        timeoutMs: 280_000,
      })
      expect(run.status, run.stderr.slice(-3000)).toBe(0)
      expect(run.stderr).toMatch(/>>> Switch the app to noise removal/)
      const lines = jsonLines(run.stdout)
      expect(lines.slice(0, 4)).toEqual(
        [1, 2, 3, 4].map((n) => ({ run: n, sessionId: expect.any(Number), status: 'completed' })),
      )
      const sessions = lines.slice(0, 4).map((l) => l.sessionId as number)
      expect(lines[4]).toEqual({ planId: expect.any(Number), sessions })
      const planId = lines[4].planId as number

      // Each run is a session carrying its condition's metadata.
      const modes = sessions.map(
        (id) =>
          JSON.parse(runCli(['sessions', 'show', String(id), '--json'], { dataDir: dir }).stdout).micMode,
      )
      expect(modes).toEqual(['music', 'music', 'noise-removal', 'noise-removal'])
      const status = JSON.parse(runCli(['plan', 'status', String(planId), '--json'], { dataDir: dir }).stdout)
      expect(status).toMatchObject({ planId, status: 'completed', done: 4, total: 4, etaS: null })

      const cmp = runCli(['compare', '--plan', String(planId), '--group-by', 'micMode', '--json'], {
        dataDir: dir,
      })
      expect(cmp.status, cmp.stderr).toBe(0)
      const result = JSON.parse(cmp.stdout)
      expect(Object.keys(result)).toEqual(['groups', 'differences'])
      expect(result.groups.map((g: { key: object; sessions: number[] }) => [g.key, g.sessions])).toEqual([
        [{ micMode: 'music' }, sessions.slice(0, 2)],
        [{ micMode: 'noise-removal' }, sessions.slice(2)],
      ])
      for (const g of result.groups) {
        expect(g.n).toBeGreaterThanOrEqual(8)
        // A gain the AGC held at one value all run (noise removal can pin one at its limit) has no r.
        for (const gain of ['min', 'mean', 'max'])
          expect([
            { r: expect.any(Number), ci: [expect.any(Number), expect.any(Number)], p: expect.any(Number) },
            { r: null, ci: null, p: null },
          ]).toContainEqual(g.pearson[gain])
        // Louder steps, lower gains: the paper's finding, in both modes.
        expect(g.pearson.mean.r).toBeLessThan(-0.3)
      }
      expect(result.differences.map((d: { gain: string }) => d.gain)).toEqual(['min', 'mean', 'max'])
      const [a, b] = result.groups
      for (const d of result.differences) {
        expect(d.a).toEqual(a.key)
        expect(d.b).toEqual(b.key)
        if (a.pearson[d.gain].r === null || b.pearson[d.gain].r === null) {
          expect(d).toMatchObject({ z: null, p: null })
          continue
        }
        const expected = fisherZTest({ r: a.pearson[d.gain].r, n: a.n }, { r: b.pearson[d.gain].r, n: b.n })!
        expect(d.z).toBeCloseTo(expected.z, 12)
        expect(d.p).toBeCloseTo(expected.p, 12)
      }
    },
  )

  it('records a failed run and goes on with the queue', { timeout: 120_000 }, () => {
    const dir = tempDir()
    steppedNoise(dir, [0.1])
    // A pid no process has: every run fails to attach.
    const plan = { ...twoModes, target: 4_000_000, conditions: [{ meta: { micMode: 'music' } }] }
    const run = runCli(['plan', 'run', writePlan(dir, plan), '--json'], { dataDir: dir, timeoutMs: 110_000 })
    expect(run.status).toBe(1)
    const lines = jsonLines(run.stdout)
    expect(lines.slice(0, 2)).toEqual([
      { run: 1, sessionId: expect.any(Number), status: 'failed' },
      { run: 2, sessionId: expect.any(Number), status: 'failed' },
    ])
    const status = JSON.parse(
      runCli(['plan', 'status', String(lines[2].planId), '--json'], { dataDir: dir }).stdout,
    )
    expect(status.status).toBe('completed')
    expect(status.reason).toMatch(/2 of 2 runs failed/)
    expect(status.runs[0].reason).toMatch(/4000000/)
  })

  it(
    'resumes a plan whose process was killed, keeping the runs it completed',
    { timeout: 240_000 },
    async () => {
      const dir = tempDir()
      steppedNoise(dir, [0.02, 0.5, 0.08])
      const plan = { ...twoModes, conditions: [twoModes.conditions[0]] }
      const child = spawn(process.execPath, [cliPath, 'plan', 'run', writePlan(dir, plan), '--json'], {
        env: { ...process.env, MUTESCOPE_DATA_DIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
      let playing = 0
      const secondPlays = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the second run did not play within 160 s')), 160_000)
        createInterface({ input: child.stderr! }).on('line', (line) => {
          if (/playing into/.test(line) && ++playing === 2) {
            clearTimeout(timer)
            resolve()
          }
        })
      })
      const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no run finished within 100 s')), 100_000)
        createInterface({ input: child.stdout! }).once('line', (line) => {
          clearTimeout(timer)
          resolve(JSON.parse(line))
        })
      })
      expect(first).toMatchObject({ run: 1, status: 'completed' })
      // Killed in the middle of the second run, once it plays.
      await secondPlays
      const gone = new Promise((resolve) => child.on('exit', resolve))
      process.kill(-child.pid!, 'SIGKILL') // the whole process group: MuteScope, refvca and its sink
      await gone

      const planId = 1
      const crashed = JSON.parse(
        runCli(['plan', 'status', String(planId), '--json'], { dataDir: dir }).stdout,
      )
      expect(crashed.status).toBe('interrupted')
      expect(crashed.runs.map((r: { status: string }) => r.status)).toEqual(['completed', 'interrupted'])

      const resumed = runCli(['plan', 'resume', String(planId), '--json'], {
        dataDir: dir,
        timeoutMs: 120_000,
      })
      expect(resumed.status, resumed.stderr.slice(-2000)).toBe(0)
      const lines = jsonLines(resumed.stdout)
      expect(lines).toEqual([
        { run: 2, sessionId: expect.any(Number), status: 'completed' },
        { planId, sessions: [first.sessionId, lines[0].sessionId] },
      ])
      const again = runCli(['plan', 'resume', String(planId)], { dataDir: dir })
      expect(again.status).toBe(1)
      expect(again.stderr).toMatch(/no runs left to do/)
    },
  )

  it(
    'waits at an instruction until continued, and stops mid-run through the API',
    { timeout: 120_000 },
    async () => {
      const dir = tempDir()
      const episode = steppedNoise(dir, [0.05, 0.5, 0.05, 0.5])
      const app = createApp({ dataDir: join(dir, 'data'), transport: 'web' })
      const seen: PlanEvent[] = []
      app.events.subscribe((name, payload) => name === 'planEvent' && seen.push(payload as PlanEvent))
      // What the runs logged, printed when the test fails or times out: which step hung or failed.
      const log: string[] = []
      app.events.subscribe((name, payload) => {
        const e = payload as ExperimentEvent
        if (name === 'experimentEvent' && e.type === 'log')
          log.push(`${new Date(e.t).toISOString()} ${e.level} ${e.message}`)
        if (name === 'experimentEvent' && e.type === 'state')
          log.push(`${new Date().toISOString()} phase ${e.state.phase}`)
      })
      onTestFailed(() => console.error(`the experiment's log:\n${log.join('\n')}`))
      const event = (test: (name: string, payload: unknown) => boolean) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no such event within 60 s')), 60_000)
          const off = app.events.subscribe((name, payload) => {
            if (!test(name, payload)) return
            clearTimeout(timer)
            off()
            resolve()
          })
        })
      const call = async <T>(method: string, params: object): Promise<T> => {
        const reply = await app.dispatch(method, params)
        if (!reply.ok) throw new Error(reply.error.message)
        return reply.result as T
      }
      try {
        const spec = {
          ...twoModes,
          episodes: [episode],
          repeats: 1,
          conditions: [
            { ...twoModes.conditions[0], instruction: 'Put the phone 25 cm away' },
            twoModes.conditions[1],
          ],
        }
        const started = await call<PlanRecord>('runPlan', { spec })
        const planId = started.planId
        expect(started.total).toBe(2)
        const waiting = await call<PlanRecord>('getPlan', { planId })
        expect(waiting).toMatchObject({
          status: 'waiting',
          waiting: { condition: 0, instruction: 'Put the phone 25 cm away' },
        })
        expect(waiting.etaS).toBeGreaterThan(0)
        expect(app.experiment.current().phase).toBe('idle')

        // Stopped once its experiment is under way (refvca attached, playing).
        const running = event(
          (name, e) =>
            name === 'experimentEvent' &&
            (e as ExperimentEvent).type === 'state' &&
            (e as { state: { phase: string } }).state.phase === 'running',
        )
        expect((await call<PlanRecord>('continuePlan', { planId })).status).toBe('running')
        await running
        const stopped = await call<PlanRecord>('stopPlan', { planId })
        expect(stopped.status).toBe('stopped')
        expect(stopped.runs.map((r) => r.status)).toEqual(['interrupted', 'pending'])
        expect(app.store.getSession(stopped.runs[0].sessionId!).status).toBe('interrupted')
        expect(app.experiment.current().phase).toBe('idle')
        await expect(call('continuePlan', { planId })).rejects.toThrow(
          /not running in this MuteScope; resume it/,
        )

        // Resumed, it asks again before the condition whose runs are left; stopped while it waits.
        const again = await call<PlanRecord>('resumePlan', { planId })
        expect(again.runs.map((r) => r.status)).toEqual(['pending', 'pending'])
        expect((await call<PlanRecord>('getPlan', { planId })).status).toBe('waiting')
        expect((await call<PlanRecord>('stopPlan', { planId })).status).toBe('stopped')
        expect(seen.filter((e) => e.type === 'run')).toEqual([
          { type: 'run', planId, run: 1, sessionId: stopped.runs[0].sessionId, status: 'interrupted' },
        ])
      } finally {
        await app.close()
      }
    },
  )
})
