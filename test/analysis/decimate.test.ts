import { describe, expect, it } from 'vitest'
import { decimateMinMax } from '../../src/core/analysis/decimate'
import type { LevelSecond } from '../../src/shared/model'
import { rng } from './synthetic-session'

const DAY = 86_400

function day(): LevelSecond[] {
  const random = rng(11)
  const t0 = Date.UTC(2026, 0, 1)
  const points: LevelSecond[] = Array.from({ length: DAY }, (_, i) => ({
    t: t0 + i * 1000,
    level: -50 + 10 * random(),
  }))
  points[12_345].level = -3 // one loud second
  points[70_001].level = -90 // one quiet second
  points[40_000].level = null // one second of digital silence
  return points
}

describe('decimateMinMax', () => {
  const points = day()
  const width = 800
  const out = decimateMinMax(points, width)

  it('turns a day of one-second levels into at most two points per pixel, in time order', () => {
    expect(out.length).toBeLessThanOrEqual(2 * width)
    expect(out.length).toBeGreaterThan(width) // random data: most buckets keep two points
    for (let i = 1; i < out.length; i++) expect(out[i].t).toBeGreaterThan(out[i - 1].t)
  })

  it('keeps the extremes: the loudest and quietest seconds and the silence survive', () => {
    expect(out).toContainEqual(points[12_345])
    expect(out).toContainEqual(points[70_001])
    expect(out).toContainEqual(points[40_000])
  })

  it("keeps each bucket's own minimum and maximum, checked against a brute-force pass", () => {
    const t0 = points[0].t
    const span = points[DAY - 1].t - t0
    const bucketOf = (t: number) => Math.min(width - 1, Math.floor(((t - t0) * width) / span))
    for (const bucket of [0, 1, 399, 799]) {
      const inside = points.filter((p) => bucketOf(p.t) === bucket)
      const kept = out.filter((p) => bucketOf(p.t) === bucket)
      const levels = inside.map((p) => p.level ?? -Infinity)
      expect(kept.map((p) => p.level ?? -Infinity).sort((a, b) => a - b)).toEqual([
        Math.min(...levels),
        Math.max(...levels),
      ])
    }
  })

  it('limits itself to a time range for zooming', () => {
    const from = points[1000].t
    const to = points[1999].t
    const zoomed = decimateMinMax(points, 100, from, to)
    expect(zoomed.length).toBeLessThanOrEqual(200)
    expect(zoomed.every((p) => p.t >= from && p.t <= to)).toBe(true)
  })

  it('returns every point when there are fewer points than pixels, and nothing for nothing', () => {
    const few = points.slice(0, 50)
    expect(decimateMinMax(few, 500)).toEqual(few)
    expect(decimateMinMax([], 500)).toEqual([])
    expect(decimateMinMax([points[0]], 10)).toEqual([points[0]])
  })
})
