import { afterEach, describe, expect, it } from 'vitest'
import { analyzeSession } from '../../src/core/analysis/analyze'
import { fisherZTest } from '../../src/core/analysis/stats'
import {
  attachedTwoDevices,
  labApp,
  lostAndBack,
  syntheticStartT as start,
  tempStore,
  type TempStore,
  twoDevices,
  writeMultiDeviceSession,
} from './synthetic-session'

const intervalS = 5
const reports = 20
let t: TempStore | null = null
afterEach(() => t?.close())

/**
 * A two-device session as the runner leaves it: refvca here and an app on the lab device, each reporting
 * gains that fall with the played level (each its own slope and noise), the lab's link lost for a while, its
 * clock measured twice (the more certain measurement is kept).
 */
function seed(tagged = true) {
  t = tempStore()
  const since = start + 30_000
  const clock = { device: 'lab', samples: 8, measuredAt: start - 2000 }
  const { id } = writeMultiDeviceSession(t.store, {
    seed: 7,
    intervalS,
    reports,
    tagged,
    devices: [
      twoDevices.local,
      // The lab's records come first in time, but the run attached this computer's target first.
      { ...twoDevices.lab, slope: -0.3, noiseDb: 6, delayMs: -300 },
    ],
    events: [
      ...attachedTwoDevices,
      ...lostAndBack(since, 12_000),
      // Two processes of the device lost at once make one gap; the second loss never ends.
      {
        t: since + 4000,
        kind: 'device-lost',
        detail: { ...labApp, pid: 43, since, why: 'no answer for 4 s' },
      },
      { t: since + 40_000, kind: 'device-lost', detail: { ...labApp, since: since + 36_000, why: 'link' } },
    ],
    clocks: [
      { ...clock, offsetMs: 3.25, uncertaintyMs: 0.4 },
      { ...clock, offsetMs: 9, uncertaintyMs: 2, measuredAt: since + 12_000 },
    ],
  })
  return { id, since }
}

describe('a multi-device session analysed per device', () => {
  it('stores each record with its device and target, and keeps the most certain clock offset', () => {
    const { id } = seed()
    const stored = t!.store.telemetry(id)
    expect(stored).toHaveLength(2 * reports)
    expect(stored[0]).toMatchObject({ device: 'lab', target: 'pid 42' })
    expect(stored[1]).toMatchObject({ device: 'local', target: 'refvca' })
    expect(t!.store.clockOffsets(id)).toEqual([
      { device: 'lab', offsetMs: 3.25, uncertaintyMs: 0.4, samples: 8, measuredAt: expect.any(Number) },
    ])
  })

  it('gives a series and r per device in the order the run attached them, and Fisher z between them', () => {
    const { id, since } = seed()
    const result = analyzeSession(t!.store, id)
    const [local, lab] = result.devices!
    expect(local).toMatchObject({
      device: 'local',
      target: 'refvca',
      records: reports,
      clock: null,
      gaps: [],
    })
    expect(lab).toMatchObject({
      device: 'lab',
      target: 'pid 42',
      records: reports,
      clock: { offsetMs: 3.25, uncertaintyMs: 0.4, samples: 8 },
      // The second loss never ended: an open gap.
      gaps: [
        { startT: since, endT: since + 12_000 },
        { startT: since + 36_000, endT: null },
      ],
    })
    // Each series pairs only its own records: r of each falls with the level, the lab's less tightly.
    expect(local.pairs.map((p) => p.t)).toEqual(result.pairs.filter((_, i) => i % 2 === 1).map((p) => p.t))
    const rLocal = local.laeq.pearson.mean!
    const rLab = lab.laeq.pearson.mean!
    expect(rLocal.n).toBeGreaterThanOrEqual(15)
    expect(rLocal.r!).toBeLessThan(-0.9)
    expect(rLab.r!).toBeLessThan(rLocal.r! + 0.5)
    expect(rLab.r!).toBeGreaterThan(rLocal.r!)
    expect(result.deviceDifferences).toHaveLength(3)
    const mean = result.deviceDifferences!.find((d) => d.gain === 'mean')!
    expect(mean).toMatchObject({
      a: { device: 'local', target: 'refvca' },
      b: { device: 'lab', target: 'pid 42' },
    })
    expect(mean.z).toBeCloseTo(fisherZTest(rLocal, rLab)!.z, 12)
    expect(mean.p!).toBeLessThan(0.05)
  })

  it('leaves a session whose records carry no device as it was: no series', () => {
    const { id } = seed(false)
    const result = analyzeSession(t!.store, id)
    expect(result.devices).toBeUndefined()
    expect(result.deviceDifferences).toBeUndefined()
    expect(t!.store.telemetry(id)[0]).not.toHaveProperty('device')
  })
})
