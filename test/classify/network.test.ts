import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { NUM_CLASSES } from '../../src/core/classify/labels'
import { CH, HIDDEN, initParams, layout } from '../../src/core/classify/layout'
import { Network } from '../../src/core/classify/network'
import { makeRng } from '../../src/core/classify/random'

/**
 * An independent reference: the authors' network computed directly in float64, convolution by convolution
 * in PyTorch's weight layout, and its gradient by central differences. The hand-written network (float32,
 * banded matmuls, backward pass by hand) must agree with it in value and gradient.
 */
type Vec = ArrayLike<number>

/** Kernel-2 Conv1d + ReLU over input[t][channel]; PyTorch weight [out][in][k] at `at`, then the biases. */
function convRelu(input: Vec[], theta: Vec, at: number, cin: number): Float64Array[] {
  return input.slice(1).map((_, t) =>
    Float64Array.from({ length: CH }, (_, o) => {
      let z = theta[at + CH * cin * 2 + o]
      for (let i = 0; i < cin; i++)
        for (let k = 0; k < 2; k++) z += theta[at + (o * cin + i) * 2 + k] * input[t + k][i]
      return Math.max(0, z)
    }),
  )
}

/** h @ W + c with W [h.length, fout] row-major at `w`. */
function dense(h: Vec, theta: Vec, w: number, c: number, fout: number, act: boolean): Float64Array {
  return Float64Array.from({ length: fout }, (_, j) => {
    let z = theta[c + j]
    for (let i = 0; i < h.length; i++) z += h[i] * theta[w + i * fout + j]
    return act ? Math.tanh(z) : z
  })
}

/** Logits of one window, fed minute-major (x[t*3 + channel]). */
function referenceLogits(theta: Vec, window: Vec, n: number): Float64Array {
  const l = layout(n)
  const minutes = Array.from({ length: n }, (_, t) => [0, 1, 2].map((c) => window[t * 3 + c]))
  const a2 = convRelu(convRelu(minutes, theta, 0, 3), theta, 42, CH)
  // PyTorch flattens [channels, time].
  const flat = Float64Array.from({ length: l.features }, (_, f) => a2[f % (n - 2)][Math.floor(f / (n - 2))])
  const h1 = dense(flat, theta, l.d1, l.c1, HIDDEN, true)
  const h2 = dense(h1, theta, l.d2, l.c2, HIDDEN, true)
  return dense(h2, theta, l.d3, l.c3, NUM_CLASSES, false)
}

/** Mean softmax cross-entropy of the windows (rows of x) against their labels. */
function referenceLoss(theta: Vec, x: Float32Array, labels: number[], n: number): number {
  let sum = 0
  labels.forEach((label, b) => {
    const z = referenceLogits(theta, x.subarray(b * 3 * n, (b + 1) * 3 * n), n)
    const max = Math.max(...z)
    sum += max + Math.log(z.reduce((a, v) => a + Math.exp(v - max), 0)) - z[label]
  })
  return sum / labels.length
}

/** Central differences; the step is small enough that no ReLU input crosses zero within it. */
function referenceGrad(theta: Float64Array, loss: (t: Float64Array) => number): Float64Array {
  const h = 1e-7
  return theta.map((v, i) => {
    theta[i] = v + h
    const up = loss(theta)
    theta[i] = v - h
    const down = loss(theta)
    theta[i] = v
    return (up - down) / (2 * h)
  })
}

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('hand-written network', () => {
  for (const n of [3, 7, 10]) {
    it(`matches a float64 reference in logits and gradient at n=${n}`, () => {
      const rng = makeRng(`grad-${n}`)
      const net = new Network(n)
      // Random, not just initial, parameters, so biases and every path carry gradient.
      const params = Float32Array.from(initParams(net.l, rng), (v) => v + 0.3 * (rng() - 0.5))
      const theta = tf.tensor1d(params)
      const batch = 9
      const xData = Float32Array.from({ length: batch * 3 * n }, () => Math.round(rng() * 60))
      const labels = Array.from({ length: batch }, (_, i) => i % 6)
      const x = tf.tensor2d(xData, [batch, 3 * n])
      const y = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 6), 'float32') as tf.Tensor2D

      const ours = tf.tidy(() => net.lossAndGrad(theta, x, tf.transpose(x), y))
      const refLoss = (t: Vec) => referenceLoss(t, xData, labels, n)
      const refGrad = referenceGrad(Float64Array.from(params), refLoss)

      const logits = net.logits(theta, x).dataSync()
      for (let b = 0; b < batch; b++) {
        const ref = referenceLogits(params, xData.subarray(b * 3 * n, (b + 1) * 3 * n), n)
        ref.forEach((v, k) => expect(logits[b * NUM_CLASSES + k]).toBeCloseTo(v, 4))
      }
      expect(ours.loss.dataSync()[0]).toBeCloseTo(refLoss(params), 5)
      const g = ours.grad.dataSync()
      expect(g.length).toBe(layout(n).size)
      const scale = Math.max(...refGrad.map(Math.abs))
      expect(scale).toBeGreaterThan(0)
      for (let i = 0; i < refGrad.length; i++)
        expect(Math.abs(g[i] - refGrad[i])).toBeLessThan(1e-4 * scale + 1e-7)
      net.dispose()
    })
  }

  it('initialises dense layers Xavier-uniform with zero biases and conv layers as PyTorch does', () => {
    const l = layout(7)
    const p = initParams(l, makeRng(1))
    const range = (from: number, count: number) => Array.from(p.subarray(from, from + count))
    expect(range(l.c1, 35).every((v) => v === 0)).toBe(true)
    expect(range(l.c3, 6).every((v) => v === 0)).toBe(true)
    const d1 = range(l.d1, l.features * 35)
    const bound = Math.sqrt(6 / (l.features + 35))
    expect(Math.max(...d1.map(Math.abs))).toBeLessThanOrEqual(bound)
    expect(Math.max(...d1.map(Math.abs))).toBeGreaterThan(0.9 * bound)
    expect(Math.max(...range(0, 42).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(6))
    expect(Math.max(...range(42, 78).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(12))
  })
})
