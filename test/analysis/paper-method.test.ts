import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { analyzeSession } from '../../src/core/analysis/analyze'
import { LevelMeter, type MeterSecond } from '../../src/core/audio/level-meter'
import { exportBundle, importBundle } from '../../src/core/store/bundle'
import type { LevelSecond } from '../../src/shared/model'
import { runCli, tempDir } from '../support/helpers'
import { tempStore, writeSyntheticSession } from './synthetic-session'

const db = (v: number) => 20 * Math.log10(v)

/** The paper's measures of [from, to) worked out by a plain scan of the seconds inside it. */
function byScan(seconds: readonly LevelSecond[], from: number, to: number) {
  const inside = seconds.filter((s) => s.t >= from && s.t + 1000 <= to)
  return {
    max: db(Math.max(...inside.map((s) => s.absMax!))),
    mean: db(inside.reduce((sum, s) => sum + s.absMean!, 0) / inside.length),
  }
}

describe('the level meter keeps the sample magnitudes of every second', () => {
  it('a sine of amplitude a has max |x| = a and mean |x| = 2a/pi', () => {
    const rate = 48_000
    const seconds: MeterSecond[] = []
    const meter = new LevelMeter({ sampleRate: rate, onSecond: (s) => seconds.push(s) })
    for (const a of [0.5, 0.1, 0]) {
      // 1 kHz: 48 samples a period, one of them on the crest.
      meter.push(Float32Array.from({ length: rate }, (_, i) => a * Math.sin((2 * Math.PI * 1000 * i) / rate)))
    }
    meter.finish()
    expect(seconds).toHaveLength(3)
    expect(seconds[0].absMax).toBeCloseTo(0.5, 6)
    expect(seconds[0].absMean).toBeCloseTo((2 * 0.5) / Math.PI, 3)
    expect(seconds[1].absMax).toBeCloseTo(0.1, 6)
    expect(seconds[1].absMean).toBeCloseTo((2 * 0.1) / Math.PI, 3)
    expect([seconds[2].absMax, seconds[2].absMean]).toEqual([0, 0])
  })
})

describe("the paper's fixed one-minute windows, beside the IEC levels", () => {
  const tmp = tempStore()
  afterAll(() => tmp.close())
  const s = writeSyntheticSession(tmp.store, { intervalS: 60, records: 8, lagS: 0, seed: 7, noiseDb: 4 })

  it('window k after playback start holds 20 lg max |x| and 20 lg mean |x| of its own minute', () => {
    const r = analyzeSession(tmp.store, s.id, { method: 'fixed' })
    expect(r.pairs).toHaveLength(8)
    r.pairs.forEach((p, k) => {
      const from = s.playbackStartT + k * 60_000
      expect(p.startT).toBe(from)
      const want = byScan(s.seconds, from, from + 60_000)
      expect(p.maxMagnitude).toBeCloseTo(want.max, 9)
      expect(p.meanMagnitude).toBeCloseTo(want.mean, 9)
    })
    // Both families are correlated, each with its own statistics.
    expect(r.maxMagnitude.n).toBe(8)
    expect(r.meanMagnitude.pearson.mean?.r).toBeLessThan(-0.8)
    expect(r.laeq.pearson.mean?.r).toBeLessThan(-0.8)
    expect(r.meanMagnitude.pearson.mean?.r).not.toBe(r.laeq.pearson.mean?.r)
  })

  it('a calibration offset is added to every measure, and r does not change', () => {
    const plain = analyzeSession(tmp.store, s.id, { method: 'fixed' })
    tmp.store.updateMeta(s.id, { calibrationDb: 94 })
    const cal = analyzeSession(tmp.store, s.id, { method: 'fixed' })
    expect(cal.calibrationDb).toBe(94)
    cal.pairs.forEach((p, i) => {
      for (const m of ['laeq', 'lafmax', 'maxMagnitude', 'meanMagnitude'] as const)
        expect(p[m]).toBeCloseTo((plain.pairs[i][m] as number) + 94, 9)
    })
    expect(cal.meanMagnitude.pearson.mean?.r).toBeCloseTo(plain.meanMagnitude.pearson.mean!.r!, 12)
    expect(analyzeSession(tmp.store, s.id, { method: 'fixed', calibrationDb: null }).calibrationDb).toBeNull()
    tmp.store.updateMeta(s.id, { calibrationDb: null })
  })

  it('survives a bundle export and import, with the calibration', async () => {
    const file = join(tempDir(), 's.mutescope')
    tmp.store.updateMeta(s.id, { calibrationDb: 93.5 })
    await exportBundle(tmp.store, s.id, file)
    tmp.store.updateMeta(s.id, { calibrationDb: null })
    const copy = await importBundle(tmp.store, file)
    expect(copy.calibrationDb).toBe(93.5)
    expect(tmp.store.levelSeconds(copy.id)).toEqual(tmp.store.levelSeconds(s.id))
    const a = analyzeSession(tmp.store, s.id, { method: 'fixed' })
    const b = analyzeSession(tmp.store, copy.id, { method: 'fixed', calibrationDb: null })
    expect(b.pairs.map((p) => [p.maxMagnitude, p.meanMagnitude])).toEqual(
      a.pairs.map((p) => [p.maxMagnitude, p.meanMagnitude]),
    )
  })

  it('a session recorded before magnitudes were kept has none, and says so', () => {
    const old = tmp.store.createSession({ name: 'old', intervalS: 60, profile: 'webex' }, s.playbackStartT)
    tmp.store.appendLevelSeconds(
      old.id,
      s.seconds.map(({ t, level }) => ({ t, level })),
    )
    tmp.store.appendTelemetry(old.id, s.records)
    tmp.store.appendEvents(old.id, [{ t: s.playbackStartT, kind: 'playback-start', detail: null }])
    tmp.store.finishSession(old.id, 'completed')
    const r = analyzeSession(tmp.store, old.id, { method: 'fixed' })
    expect(r.pairs.every((p) => p.maxMagnitude === null && p.meanMagnitude === null)).toBe(true)
    expect(r.maxMagnitude.n).toBe(0)
    expect(r.laeq.n).toBeGreaterThan(0)
    const cli = runCli(['correlate', String(old.id), '--method', 'fixed'], { dataDir: tmp.dir })
    expect(cli.stderr).toBe('')
    expect(cli.stdout).toContain('vs max magnitude (paper), dBFS: not recorded in this session')
  })
})
