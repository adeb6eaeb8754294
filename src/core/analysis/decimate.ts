import type { LevelSecond } from '../../shared/model'

interface Bucket {
  min: LevelSecond
  max: LevelSecond
}

/** Digital silence (null) is the lowest level there is, so it wins every minimum. */
function lower(a: LevelSecond, b: LevelSecond): boolean {
  if (a.level === null) return b.level !== null
  return b.level !== null && a.level < b.level
}

function higher(a: LevelSecond, b: LevelSecond): boolean {
  if (a.level === null) return false
  return b.level === null || a.level > b.level
}

/**
 * Min/max decimation for plotting a level trace `width` pixels wide: the time range is cut into `width`
 * equal buckets and each keeps its lowest and highest point, in time order. A day of one-second levels
 * (86,400 points) becomes at most 2 x width points, yet every peak and dip still reaches the screen, which
 * averaging or taking every n-th point would not guarantee. Points must be sorted by t.
 */
export function decimateMinMax(
  points: readonly LevelSecond[],
  width: number,
  fromT = points[0]?.t ?? 0,
  toT = points[points.length - 1]?.t ?? 0,
): LevelSecond[] {
  const buckets: (Bucket | undefined)[] = new Array(Math.max(1, Math.floor(width)))
  const span = toT - fromT
  for (const p of points) {
    if (p.t < fromT || p.t > toT) continue
    const i = span > 0 ? Math.min(buckets.length - 1, Math.floor(((p.t - fromT) * buckets.length) / span)) : 0
    const b = buckets[i]
    if (!b) buckets[i] = { min: p, max: p }
    else {
      if (lower(p, b.min)) b.min = p
      if (higher(p, b.max)) b.max = p
    }
  }
  const out: LevelSecond[] = []
  for (const b of buckets) {
    if (!b) continue
    if (b.min === b.max) out.push(b.min)
    else out.push(...(b.min.t <= b.max.t ? [b.min, b.max] : [b.max, b.min]))
  }
  return out
}
