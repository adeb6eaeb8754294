/**
 * Index of the first item for which `past` holds, by binary search: `past` must be false for a prefix of
 * `sorted` and true for the rest (e.g. "starts after t" over start-sorted intervals); `sorted.length` when
 * it holds for none. The time lookups of the level timeline and the muted intervals share it.
 */
export function firstIndex<T>(sorted: readonly T[], past: (item: T) => boolean): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (past(sorted[mid])) hi = mid
    else lo = mid + 1
  }
  return lo
}
