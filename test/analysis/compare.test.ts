import { afterEach, describe, expect, it } from 'vitest'
import { analyzeSession } from '../../src/core/analysis/analyze'
import { compareSessions } from '../../src/core/analysis/compare'
import { fisherZTest, pearson } from '../../src/core/analysis/stats'
import { PlanStore } from '../../src/core/store/plan-store'
import { planSpec } from '../../src/shared/contract/plans'
import { runCli } from '../support/helpers'
import { compareJson } from '../../src/cli/commands/compare'
import { gainRecord, tempStore, writeSyntheticSession, type TempStore } from './synthetic-session'

let t: TempStore
afterEach(() => t?.close())

/** Four sessions, two per mic mode, with their own level sequences; and one with too few intervals. */
function fourRuns(): { ids: number[]; short: number } {
  t = tempStore()
  const ids = [11, 12, 13, 14].map((seed, i) => {
    const s = writeSyntheticSession(t.store, { intervalS: 5, records: 8 + i, lagS: 0, seed })
    t.store.updateMeta(s.id, { micMode: i < 2 ? 'music' : 'noise removal', distanceCm: 25 * (1 + (i % 2)) })
    return s.id
  })
  const short = t.store.createSession({ micMode: 'music', intervalS: 5 })
  t.store.appendTelemetry(short.id, [gainRecord(1, 1, 2, 3)])
  return { ids, short: short.id }
}

describe('Fisher z test for two independent correlations', () => {
  it('matches SciPy (arctanh and norm.sf)', () => {
    const a = fisherZTest({ r: 0.5, n: 50 }, { r: 0.3, n: 60 })!
    expect(a.z).toBeCloseTo(1.2170109575154875, 12)
    expect(a.p).toBeCloseTo(0.22360004683034107, 12)
    const b = fisherZTest({ r: -0.83, n: 13 }, { r: -0.71, n: 13 })!
    expect(b.z).toBeCloseTo(-0.672950339978065, 12)
    expect(b.p).toBeCloseTo(0.5009788847276437, 12)
  })

  it('has no answer below four pairs or for an undefined or perfect r', () => {
    expect(fisherZTest({ r: 0.5, n: 3 }, { r: 0.3, n: 60 })).toBeNull()
    expect(fisherZTest({ r: null, n: 30 }, { r: 0.3, n: 60 })).toBeNull()
    expect(fisherZTest({ r: 1, n: 30 }, { r: 0.3, n: 60 })).toBeNull()
  })
})

describe('compareSessions', () => {
  it('pools each group’s intervals, correlates them and tests the difference between groups', () => {
    const { ids, short } = fourRuns()
    const r = compareSessions(t.store, new PlanStore(t.store), {
      select: { sessionIds: [...ids, short] },
      groupBy: ['micMode'],
    })
    expect(r.skipped.map((s) => s.sessionId)).toEqual([short])
    expect(r.skipped[0].reason).toMatch(/correlation needs at least 3/)
    expect(r.groups.map((g) => [g.key, g.sessions])).toEqual([
      [{ micMode: 'music' }, ids.slice(0, 2)],
      [{ micMode: 'noise removal' }, ids.slice(2)],
    ])
    for (const g of r.groups) {
      const pairs = g.sessions.flatMap((id) => analyzeSession(t.store, id).pairs)
      expect(g.n).toBe(pairs.length)
      const expected = pearson(
        pairs.map((p) => p.laeq),
        pairs.map((p) => p.audioMeanGain!),
      )
      expect(g.pearson.mean).toEqual({ r: expected.r, ci: expected.ci, p: expected.p, n: expected.n })
      // The synthetic gain is 40 − 0.6·LAeq exactly: the pooled fit finds it.
      expect(g.fits.mean!.slope).toBeCloseTo(-0.6, 9)
    }
    const [a, b] = r.groups
    expect(r.differences).toHaveLength(3)
    const max = r.differences.find((d) => d.gain === 'max')!
    const expected = fisherZTest(a.pearson.max!, b.pearson.max!)!
    expect(max).toEqual({ a: a.key, b: b.key, gain: 'max', z: expected.z, p: expected.p })
  })

  it('groups by several fields, and takes a plan’s completed runs', () => {
    const { ids } = fourRuns()
    const plans = new PlanStore(t.store)
    const spec = planSpec.parse({
      name: 'p',
      target: 'refvca',
      episodes: ['e.wav'],
      repeats: 2,
      conditions: [{ meta: { micMode: 'music' } }, { meta: { micMode: 'noise removal' } }],
    })
    const planId = plans.create(
      spec,
      [1, 2, 3, 4].map((i) => ({ condition: i > 2 ? 1 : 0, repeat: 1, episode: 'e.wav' })),
    )
    ids.forEach((id, i) => plans.endRun(planId, i + 1, i === 3 ? 'failed' : 'completed', null, id))
    const r = compareSessions(t.store, plans, { select: { planId }, groupBy: ['micMode', 'distanceCm'] })
    expect(r.groups.map((g) => g.key)).toEqual([
      { micMode: 'music', distanceCm: 25 },
      { micMode: 'music', distanceCm: 50 },
      { micMode: 'noise removal', distanceCm: 25 },
    ])
    expect(r.differences).toHaveLength(3 * 3)
  })

  it('names the fields it can group by when given another', () => {
    fourRuns()
    expect(() =>
      compareSessions(t.store, new PlanStore(t.store), {
        select: { search: 'synthetic' },
        groupBy: ['mic_mode' as 'micMode'],
      }),
    ).toThrow(/cannot group by "mic_mode": use one of name, .*micMode/)
  })
})

describe('mutescope compare --level and --method', () => {
  /** Two mic modes; the last session was recorded before the sample magnitudes were kept. */
  function runs() {
    t = tempStore()
    const ids = [31, 32, 33].map((seed, i) => {
      const s = writeSyntheticSession(t.store, {
        intervalS: 5,
        records: 12,
        lagS: 0,
        seed,
        noiseDb: 4 * i,
        magnitudes: i < 2,
      })
      t.store.updateMeta(s.id, { micMode: i === 0 ? 'music' : 'noise removal' })
      return s.id
    })
    return ids
  }

  it("correlates with the paper's magnitudes over its fixed windows, as compareSessions does", () => {
    const ids = runs()
    const args = ['compare', ...ids.map(String), '--group-by', 'micMode']
    for (const level of ['maxMagnitude', 'meanMagnitude'] as const) {
      const r = runCli([...args, '--level', level, '--method', 'fixed', '--json'], { dataDir: t.dir })
      expect(r.status, r.stderr).toBe(0)
      expect(r.stderr).toBe(
        `mutescope: left out session ${ids[2]}: it has no ${level === 'maxMagnitude' ? 'max' : 'mean'} magnitude ` +
          '(recorded before MuteScope kept it); compare by an IEC level\n',
      )
      const direct = compareSessions(t.store, new PlanStore(t.store), {
        select: { sessionIds: ids },
        groupBy: ['micMode'],
        level,
        align: { method: 'fixed' },
      })
      expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(compareJson(direct))))
      expect(direct.groups.map((g) => g.sessions)).toEqual([[ids[0]], [ids[1]]])
      // The paper's measures differ from LAeq: the comparison is not the IEC one relabelled.
      const iec = compareSessions(t.store, new PlanStore(t.store), {
        select: { sessionIds: ids },
        groupBy: ['micMode'],
        align: { method: 'fixed' },
      })
      expect(direct.groups[0].pairs.map((p) => p.level)).not.toEqual(iec.groups[0].pairs.map((p) => p.level))
    }
    const text = runCli([...args, '--level', 'maxMagnitude', '--method', 'fixed'], { dataDir: t.dir })
    expect(text.stdout.split('\n')[0]).toBe(
      "gains against max magnitude (the paper's magnitudes: the paper's maximum magnitude: 20 lg of the largest " +
        "|sample| of the unweighted audio in the window) over the paper's fixed windows from playback start",
    )
    const laeq = runCli([...args, '--method', 'aligned'], { dataDir: t.dir })
    expect(laeq.stderr).toBe('')
    expect(laeq.stdout).toMatch(
      /^gains against LAeq \(IEC 61672-1 levels: .*\) over windows ending at each report/,
    )
  })

  it('names every measure and method it accepts when given another', () => {
    const ids = runs()
    const bad = runCli(['compare', String(ids[0]), '--level', 'absMax'], { dataDir: t.dir })
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(
      /--level must be one of laeq, lafmax, maxMagnitude, meanMagnitude, got "absMax"/,
    )
    const method = runCli(['compare', String(ids[0]), '--method', 'sliding'], { dataDir: t.dir })
    expect(method.status).toBe(1)
    expect(method.stderr).toMatch(/--method must be aligned or fixed, got "sliding"/)
    const help = runCli(['compare', '--help'], { dataDir: t.dir }).stdout.replace(/\s+/g, ' ')
    for (const m of ['laeq', 'lafmax', 'maxMagnitude', 'meanMagnitude', "the paper's fixed windows"])
      expect(help).toContain(m)
  })
})
