import { describe, expect, it } from 'vitest'
import { timeTicks } from '../../src/renderer/components/charts/format'

const at = (h: number, m: number, s: number) => new Date(2026, 0, 1, h, m, s).getTime()
const clockOf = (t: number) => {
  const d = new Date(t)
  return [d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()]
}

describe('time axis ticks', () => {
  it('fall on round clock times inside the span, at most six of them', () => {
    const cases: [number, number, number][] = [
      // from, to, the step (s) a reader expects
      [at(12, 3, 17), at(12, 4, 5), 10],
      [at(12, 3, 17), at(12, 13, 40), 300],
      [at(12, 3, 17), at(12, 12, 40), 120],
      [at(9, 58, 2), at(11, 41, 55), 1800],
      [at(0, 7, 0), at(23, 50, 0), 21_600],
      [at(12, 0, 0.4), at(12, 0, 4.6), 1],
    ]
    for (const [lo, hi, stepS] of cases) {
      const ticks = timeTicks([hi, lo, (lo + hi) / 2])
      expect(ticks.length).toBeGreaterThanOrEqual(2)
      expect(ticks.length).toBeLessThanOrEqual(6)
      expect(ticks[0]).toBeGreaterThanOrEqual(lo)
      expect(ticks[ticks.length - 1]).toBeLessThanOrEqual(hi)
      ticks.slice(1).forEach((t, i) => expect(t - ticks[i]).toBe(stepS * 1000))
      for (const t of ticks) {
        const [h, m, s, ms] = clockOf(t)
        expect(ms).toBe(0)
        expect(((h * 60 + m) * 60 + s) % stepS).toBe(0)
      }
    }
  })

  it('takes fewer ticks when asked, and copes with one instant or none', () => {
    expect(timeTicks([at(12, 0, 0), at(12, 59, 0)], 3)).toEqual([at(12, 0, 0), at(12, 30, 0)])
    expect(timeTicks([at(12, 0, 0)])).toEqual([at(12, 0, 0)])
    expect(timeTicks([])).toEqual([])
  })
})
