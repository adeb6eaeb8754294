import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { analyzeSession } from '../../src/core/analysis/analyze'
import { LevelTimeline } from '../../src/core/analysis/levels'
import { UserError } from '../../src/core/errors'
import type { LevelWindow } from '../../src/shared/model'
import { energyMean, gainRecord, tempStore, writeSyntheticSession, type TempStore } from './synthetic-session'

let tmp: TempStore
beforeEach(() => {
  tmp = tempStore()
})
afterEach(() => tmp.close())

function window(startT: number, endT: number, leq: number, lmax: number): LevelWindow {
  return { startT, endT, weighting: 'A', leq, lmax, lmin: null, peak: null, powerDb: null, episode: null }
}

describe('LevelTimeline', () => {
  const seconds = [
    { t: 0, level: -10 },
    { t: 1000, level: -20 },
    { t: 2000, level: null },
    { t: 3000, level: -30 },
  ]

  it('energy-averages whole and partial seconds, weighting each by its overlap', () => {
    const levels = new LevelTimeline(seconds, [])
    expect(levels.leq(0, 2000, 1)).toBeCloseTo(10 * Math.log10((0.1 + 0.01) / 2), 12)
    // 250 ms of -10 dB and 1000 ms of -20 dB
    expect(levels.leq(750, 2000, 1)).toBeCloseTo(10 * Math.log10((250 * 0.1 + 1000 * 0.01) / 1250), 12)
  })

  it('counts digital silence (null) as measured time without energy; unmeasured time lowers coverage', () => {
    const levels = new LevelTimeline(seconds, [])
    expect(levels.leq(1000, 3000, 1)).toBeCloseTo(10 * Math.log10(0.01 / 2), 12)
    expect(levels.leq(2000, 3000, 0)).toBeNull() // all silence: minus infinity
    expect(levels.leq(3000, 5000, 0.9)).toBeNull() // only half measured
    expect(levels.leq(3000, 5000, 0.5)).toBeCloseTo(-30, 12)
    expect(levels.leq(5000, 9000, 0)).toBeNull()
  })

  it('falls back to window Leq without one-second levels, and takes LAFmax from windows mostly inside', () => {
    const windows = [
      window(0, 10_000, -30, -21),
      window(10_000, 20_000, -40, -33),
      window(20_000, 30_000, -50, -45),
    ]
    const levels = new LevelTimeline([], windows)
    expect(levels.leq(5000, 15_000, 1)).toBeCloseTo(10 * Math.log10((1e-3 + 1e-4) / 2), 12)
    expect(levels.lmax(10_000, 20_000)).toBe(-33)
    expect(levels.lmax(4000, 20_000)).toBe(-21) // 6 s of the first window lie inside
    expect(levels.lmax(6000, 20_000)).toBe(-33) // only 4 s of the first window do
    expect(levels.lmax(31_000, 40_000)).toBeNull()
  })

  it('prefers A-weighted windows when several weightings were stored', () => {
    const c: LevelWindow = { ...window(0, 10_000, -5, -1), weighting: 'C' }
    const levels = new LevelTimeline([], [c, window(0, 10_000, -30, -21)])
    expect(levels.weighting).toBe('A')
    expect(levels.lmax(0, 10_000)).toBe(-21)
  })
})

describe('analyzeSession alignment', () => {
  it('pairs each record with LAeq over the interval ending at its timestamp minus the lag', () => {
    const s = writeSyntheticSession(tmp.store, { intervalS: 10, records: 30, lagS: 3, seed: 1 })
    const result = analyzeSession(tmp.store, s.id, { lagS: 3 })
    expect(result.pairs).toHaveLength(30)
    for (const [i, pair] of result.pairs.entries()) {
      expect(pair.t).toBe(s.records[i].t)
      expect(pair.endT - pair.startT).toBe(10_000)
      expect(pair.laeq).toBeCloseTo(energyMean(s.seconds, pair.startT, pair.endT), 9)
      expect(pair.audioMeanGain).toBe(s.records[i].fields.audioMeanGain)
    }
    // mean gain is an exact linear function of LAeq there
    expect(result.laeq.pearson.mean?.r).toBeCloseTo(-1, 12)
    expect(result.laeq.fits.mean?.slope).toBeCloseTo(-0.6, 9)
    expect(result.laeq.fits.mean?.intercept).toBeCloseTo(40, 7)
    expect(result.laeq.n).toBe(30)
    expect(result.alignment).toMatchObject({ method: 'aligned', lagS: 3, intervalS: 10, weighting: 'A' })
  })

  it('recovers a known lag by best-lag search, and a wrong lag correlates worse', () => {
    const s = writeSyntheticSession(tmp.store, { intervalS: 10, records: 40, lagS: 7, seed: 2 })
    const wrong = analyzeSession(tmp.store, s.id)
    const found = analyzeSession(tmp.store, s.id, { bestLag: true, lagRangeS: 15 })
    expect(found.bestLag?.lagS).toBe(7)
    expect(found.alignment.lagS).toBe(7)
    expect(found.bestLag?.curve.length).toBeGreaterThan(20)
    expect(found.laeq.pearson.mean?.r).toBeCloseTo(-1, 12)
    expect(Math.abs(wrong.laeq.pearson.mean?.r as number)).toBeLessThan(0.99)
  })

  it('applies a clock offset between the telemetry clock and the playback clock', () => {
    const s = writeSyntheticSession(tmp.store, {
      intervalS: 10,
      records: 25,
      lagS: 0,
      seed: 3,
      clockSkewS: 42,
    })
    const result = analyzeSession(tmp.store, s.id, { offsetS: -42 })
    expect(result.laeq.pearson.mean?.r).toBeCloseTo(-1, 12)
    expect(result.pairs[0].endT).toBe(s.records[0].t - 42_000)
    const searched = analyzeSession(tmp.store, s.id, { bestLag: true, lagRangeS: 50 })
    expect(searched.bestLag?.lagS).toBe(42) // a telemetry clock running ahead looks like extra lag
  })

  it('infers the interval from record spacing when the session stored none', () => {
    const s = writeSyntheticSession(tmp.store, {
      intervalS: 5,
      records: 12,
      lagS: 0,
      seed: 4,
      intervalInMeta: false,
    })
    expect(analyzeSession(tmp.store, s.id).alignment.intervalS).toBe(5)
    expect(analyzeSession(tmp.store, s.id, { intervalS: 6 }).alignment.intervalS).toBe(6)
  })

  it("the authors' fixed method pairs the k-th record with the k-th window from playback start", () => {
    const s = writeSyntheticSession(tmp.store, { intervalS: 10, records: 20, lagS: 0, seed: 5 })
    // Re-time the telemetry with jitter of up to ±3 s while gains keep following the fixed windows.
    const other = tmp.store.createSession({ name: 'jittered', intervalS: 10 })
    tmp.store.appendLevelSeconds(other.id, s.seconds)
    tmp.store.appendLevelWindows(other.id, s.windows)
    tmp.store.appendEvents(other.id, [{ t: s.playbackStartT, kind: 'playback-start', detail: null }])
    const jitter = [2.9, -2.7, 1.3, -0.4, 2.2, -2.9, 0.8, -1.9, 2.6, -2.5]
    tmp.store.appendTelemetry(
      other.id,
      s.windows.slice(0, 20).map((w, k) => {
        const mean = 40 - 0.6 * (w.leq as number)
        return gainRecord(w.endT + jitter[k % jitter.length] * 1000, mean - 5, mean, mean + 5)
      }),
    )
    const fixed = analyzeSession(tmp.store, other.id, { method: 'fixed' })
    expect(fixed.pairs).toHaveLength(20)
    fixed.pairs.forEach((p, k) => {
      expect(p.startT).toBe(s.windows[k].startT)
      expect(p.laeq).toBeCloseTo(s.windows[k].leq as number, 9)
      expect(p.lafmax).toBe(s.windows[k].lmax)
    })
    expect(fixed.laeq.pearson.mean?.r).toBeCloseTo(-1, 12)
    expect(fixed.lafmax.n).toBe(20)
    const aligned = analyzeSession(tmp.store, other.id, { method: 'aligned' })
    expect(Math.abs(aligned.laeq.pearson.mean?.r as number)).toBeLessThan(0.999)
  })

  it('leaves out records whose interval was not played', () => {
    const s = writeSyntheticSession(tmp.store, { intervalS: 10, records: 10, lagS: 0, seed: 6 })
    tmp.store.appendTelemetry(s.id, [
      gainRecord(s.playbackStartT + 3000, 1, 2, 3), // its interval began before playback
      gainRecord(s.playbackStartT + 10_000_000, 1, 2, 3), // long after the audio ended
      { ...gainRecord(s.playbackStartT + 50_000, 0, 0, 0), fields: { cpu: 3 } }, // no gains at all
    ])
    const result = analyzeSession(tmp.store, s.id)
    expect(result.pairs).toHaveLength(10)
  })
})

describe('analyzeSession errors name the fix', () => {
  function userError(fn: () => unknown): UserError {
    try {
      fn()
    } catch (err) {
      expect(err).toBeInstanceOf(UserError)
      return err as UserError
    }
    throw new Error('expected a UserError')
  }

  it('fewer than three aligned intervals', () => {
    const s = writeSyntheticSession(tmp.store, { intervalS: 10, records: 8, lagS: 0, seed: 7 })
    const err = userError(() => analyzeSession(tmp.store, s.id, { offsetS: 3600 }))
    expect(err.message).toMatch(/only 0 of 8 telemetry intervals overlap the played audio.*--offset/)
  })

  it('a best-lag search too fine to finish', () => {
    const s = writeSyntheticSession(tmp.store, { intervalS: 10, records: 5, lagS: 0, seed: 8 })
    const err = userError(() =>
      analyzeSession(tmp.store, s.id, { bestLag: true, lagRangeS: 600, lagStepS: 0.1 }),
    )
    expect(err.message).toMatch(/would try 12001 lags; use a coarser step or a smaller range/)
  })

  it('too few gain records, no levels, unknown session', () => {
    const a = tmp.store.createSession({ name: 'two records', intervalS: 10 })
    tmp.store.appendTelemetry(a.id, [gainRecord(1000, 1, 2, 3), gainRecord(2000, 1, 2, 3)])
    expect(userError(() => analyzeSession(tmp.store, a.id)).message).toMatch(
      /2 telemetry record\(s\).*at least 3/,
    )
    tmp.store.appendTelemetry(a.id, [gainRecord(3000, 1, 2, 3)])
    expect(userError(() => analyzeSession(tmp.store, a.id)).message).toMatch(/no played-audio levels/)
    expect(userError(() => analyzeSession(tmp.store, 999)).message).toMatch(/no session with id 999/)
  })
})
