import normalCdf from '@stdlib/stats-base-dists-normal-cdf'
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile'
import tCdf from '@stdlib/stats-base-dists-t-cdf'
import ranks from '@stdlib/stats-ranks'
import type { z } from 'zod'
import type { fitStat, pearsonStat, spearmanStat } from '../../shared/contract/analysis'
import { MIN_INTERVALS } from '../../shared/run-yield'

/**
 * Correlation statistics as SciPy computes them (pearsonr with its Fisher-z confidence interval, spearmanr,
 * linregress), so figures in MuteScope match a researcher's notebook. Distribution functions come from
 * stdlib (Boost-grade incomplete beta): jStat's continued fraction stops at 3e-7 and would miss SciPy by far
 * more than the 1e-9 we test for. r itself is a few lines and is written out to follow SciPy's arithmetic.
 */

export type Pearson = z.infer<typeof pearsonStat>
export type Spearman = z.infer<typeof spearmanStat>
export type LinearFit = z.infer<typeof fitStat>

/** The fewest pairs a correlation rests on; a run is warned before it starts when it would yield fewer. */
export const MIN_PAIRS = MIN_INTERVALS

function checkPairs(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new RangeError(`x and y differ in length (${x.length} vs ${y.length})`)
  if (x.length < MIN_PAIRS) throw new RangeError(`need at least ${MIN_PAIRS} pairs, got ${x.length}`)
  return x.length
}

function mean(v: readonly number[]): number {
  let s = 0
  for (const a of v) s += a
  return s / v.length
}

/** Deviations from the mean, and their Euclidean norm (0 for a constant series). */
function centred(v: readonly number[]): { d: number[]; norm: number; mean: number } {
  const m = mean(v)
  const d = v.map((a) => a - m)
  let ss = 0
  for (const a of d) ss += a * a
  return { d, norm: Math.sqrt(ss), mean: m }
}

function correlation(x: readonly number[], y: readonly number[]): number | null {
  const cx = centred(x)
  const cy = centred(y)
  if (cx.norm === 0 || cy.norm === 0) return null
  let r = 0
  for (let i = 0; i < x.length; i++) r += (cx.d[i] / cx.norm) * (cy.d[i] / cy.norm)
  return Math.max(-1, Math.min(1, r))
}

/** Two-sided p of a correlation coefficient under H0 (Student's t with n - 2 degrees of freedom). */
function correlationP(r: number, n: number): number {
  const df = n - 2
  const t = Math.abs(r) === 1 ? Infinity : r * Math.sqrt(df / ((1 - r) * (1 + r)))
  return 2 * tCdf(-Math.abs(t), df)
}

const Z_975 = normalQuantile(0.975, 0, 1)

function fisherCi(r: number, n: number): [number, number] {
  if (n === MIN_PAIRS) return [-1, 1]
  const z = Math.atanh(r)
  const half = Z_975 / Math.sqrt(n - 3)
  return [Math.tanh(z - half), Math.tanh(z + half)]
}

export function pearson(x: readonly number[], y: readonly number[]): Pearson {
  const n = checkPairs(x, y)
  const r = correlation(x, y)
  if (r === null) return { r: null, ci: null, p: null, n }
  return { r, ci: fisherCi(r, n), p: correlationP(r, n), n }
}

/** Spearman's rho: Pearson's r of the ranks, ties given their average rank, p as SciPy's t approximation. */
export function spearman(x: readonly number[], y: readonly number[]): Spearman {
  const n = checkPairs(x, y)
  const rho = correlation(ranks([...x]), ranks([...y]))
  return rho === null ? { rho: null, p: null, n } : { rho, p: correlationP(rho, n), n }
}

/** Ordinary least squares y = slope * x + intercept. */
export function linearFit(x: readonly number[], y: readonly number[]): LinearFit {
  const n = checkPairs(x, y)
  const cx = centred(x)
  if (cx.norm === 0) return { slope: null, intercept: null, n }
  const my = mean(y)
  let sxy = 0
  for (let i = 0; i < n; i++) sxy += cx.d[i] * (y[i] - my)
  const slope = sxy / (cx.norm * cx.norm)
  return { slope, intercept: my - slope * cx.mean, n }
}

export interface CorrelationDifference {
  z: number
  /** Two-sided. */
  p: number
}

/**
 * The test for a difference between two independent correlations (Fisher 1921): z = (atanh r1 − atanh r2) /
 * √(1/(n1−3) + 1/(n2−3)), two-sided p from the standard normal. null when either r is undefined or ±1, or
 * either sample has fewer than four pairs (the variance 1/(n−3) needs n > 3).
 */
export function fisherZTest(
  a: { r: number | null; n: number },
  b: { r: number | null; n: number },
): CorrelationDifference | null {
  if (a.r === null || b.r === null || Math.abs(a.r) === 1 || Math.abs(b.r) === 1) return null
  if (a.n <= 3 || b.n <= 3) return null
  const z = (Math.atanh(a.r) - Math.atanh(b.r)) / Math.sqrt(1 / (a.n - 3) + 1 / (b.n - 3))
  return { z, p: 2 * normalCdf(-Math.abs(z), 0, 1) }
}
