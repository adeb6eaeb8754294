/**
 * Round-numbered axis ticks (steps of 1, 2 or 5 times a power of ten) covering [lo, hi]. Written here rather
 * than taken from d3-scale because d3 is ESM-only and the CLI is a CommonJS bundle for Node 20.
 */
export function niceTicks(lo: number, hi: number, count = 6): { lo: number; hi: number; ticks: number[] } {
  if (!(hi > lo)) {
    lo -= 1
    hi += 1
  }
  const raw = (hi - lo) / Math.max(1, count)
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power
  const first = Math.floor(lo / step + 1e-9)
  const last = Math.ceil(hi / step - 1e-9)
  // Multiply integers rather than accumulate steps, so ticks print as 0.3, not 0.30000000000000004.
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9))
  const ticks: number[] = []
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)))
  return { lo: ticks[0], hi: ticks[ticks.length - 1], ticks }
}
