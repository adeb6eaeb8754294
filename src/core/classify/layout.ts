import { NUM_CLASSES } from './labels'
import type { Rng } from './random'

// Sizes and parameter layout of the authors' network (network.ts), kept free of tfjs so that reading a
// saved model or starting the CLI does not load it.

export const HIDDEN = 35

export const CH = 6
/** Conv parameters in PyTorch order: w1 [6,3,2], b1 [6], w2 [6,6,2], b2 [6]. */
export const CONV_PARAMS = CH * 3 * 2 + CH + CH * CH * 2 + CH

export interface Layout {
  n: number
  /** Flattened conv output size, 6 * (n - 2). */
  features: number
  /** Offsets of each dense tensor in the parameter vector, then the total. */
  d1: number
  c1: number
  d2: number
  c2: number
  d3: number
  c3: number
  size: number
}

export function layout(n: number): Layout {
  if (!Number.isInteger(n) || n < 3) throw new RangeError(`window must be a whole number >= 3, got ${n}`)
  const features = CH * (n - 2)
  const d1 = CONV_PARAMS
  const c1 = d1 + features * HIDDEN
  const d2 = c1 + HIDDEN
  const c2 = d2 + HIDDEN * HIDDEN
  const d3 = c2 + HIDDEN
  const c3 = d3 + HIDDEN * NUM_CLASSES
  return { n, features, d1, c1, d2, c2, d3, c3, size: c3 + NUM_CLASSES }
}

/** Initial parameters: PyTorch's default Conv1d init, Xavier-uniform dense weights, zero dense biases. */
export function initParams(l: Layout, rng: Rng): Float32Array {
  const p = new Float32Array(l.size)
  const uniform = (from: number, count: number, bound: number) => {
    for (let i = 0; i < count; i++) p[from + i] = (2 * rng() - 1) * bound
  }
  // Conv1d's default (Kaiming-uniform with a=sqrt(5)) draws weights and biases from +-1/sqrt(fan_in).
  uniform(0, CH * 3 * 2 + CH, 1 / Math.sqrt(3 * 2))
  uniform(CH * 3 * 2 + CH, CH * CH * 2 + CH, 1 / Math.sqrt(CH * 2))
  const xavier = (from: number, fanIn: number, fanOut: number) =>
    uniform(from, fanIn * fanOut, Math.sqrt(6 / (fanIn + fanOut)))
  xavier(l.d1, l.features, HIDDEN)
  xavier(l.d2, HIDDEN, HIDDEN)
  xavier(l.d3, HIDDEN, NUM_CLASSES)
  return p
}
