import { afterEach, describe, expect, it } from 'vitest'
import { analyzeSession } from '../../src/core/analysis/analyze'
import { compareSessions } from '../../src/core/analysis/compare'
import { fisherZTest, pearson } from '../../src/core/analysis/stats'
import { PlanStore } from '../../src/core/store/plan-store'
import { planSpec } from '../../src/shared/contract/plans'
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
