import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { initParams, layout } from '../../src/core/classify/layout'
import { Network } from '../../src/core/classify/network'
import { makeRng } from '../../src/core/classify/random'

/**
 * An independent reference: the authors' network written with tf.conv1d in PyTorch's weight layout and
 * differentiated by tfjs autodiff. The hand-written matmul network must agree with it in value and gradient.
 */
function referenceLogits(theta: tf.Tensor1D, x: tf.Tensor2D, n: number): tf.Tensor2D {
  const l = layout(n)
  const b = x.shape[0]
  // PyTorch conv weight [out, in, k] -> tfjs conv1d filter [k, in, out].
  const filter = (from: number, cin: number) =>
    tf.transpose(theta.slice(from, 6 * cin * 2).reshape([6, cin, 2]), [2, 1, 0]) as tf.Tensor3D
  const a1 = tf.relu(
    tf.add(tf.conv1d(x.reshape([b, n, 3]) as tf.Tensor3D, filter(0, 3), 1, 'valid'), theta.slice(36, 6)),
  )
  const a2 = tf.relu(tf.add(tf.conv1d(a1 as tf.Tensor3D, filter(42, 6), 1, 'valid'), theta.slice(114, 6)))
  // PyTorch flattens [B, channels, time].
  const flat = tf.transpose(a2, [0, 2, 1]).reshape([b, l.features]) as tf.Tensor2D
  const dense = (h: tf.Tensor2D, w: number, c: number, fin: number, fout: number, act: boolean) => {
    const z = tf.add(
      tf.matMul(h, theta.slice(w, fin * fout).reshape([fin, fout])),
      theta.slice(c, fout),
    ) as tf.Tensor2D
    return act ? tf.tanh(z) : z
  }
  const h1 = dense(flat, l.d1, l.c1, l.features, 35, true)
  const h2 = dense(h1, l.d2, l.c2, 35, 35, true)
  return dense(h2, l.d3, l.c3, 35, 6, false)
}

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('hand-written network', () => {
  for (const n of [3, 7, 10]) {
    it(`matches a tf.conv1d reference in logits and gradient at n=${n}`, () => {
      const rng = makeRng(`grad-${n}`)
      const net = new Network(n)
      // Random, not just initial, parameters, so biases and every path carry gradient.
      const theta = tf.tensor1d(Float32Array.from(initParams(net.l, rng), (v) => v + 0.3 * (rng() - 0.5)))
      const batch = 9
      const xData = Float32Array.from({ length: batch * 3 * n }, () => Math.round(rng() * 60))
      const labels = Array.from({ length: batch }, (_, i) => i % 6)
      const x = tf.tensor2d(xData, [batch, 3 * n])
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 6).toFloat() as tf.Tensor2D

      const ours = tf.tidy(() => net.lossAndGrad(theta, x, x.transpose(), y))
      const refLoss = (t: tf.Tensor) =>
        tf.losses.softmaxCrossEntropy(y, referenceLogits(t as tf.Tensor1D, x, n)) as tf.Scalar
      const refGrad = tf.grad(refLoss)(theta)

      const logits = net.logits(theta, x).arraySync()
      const refLogits = referenceLogits(theta, x, n).arraySync()
      logits.flat().forEach((v, i) => expect(v).toBeCloseTo(refLogits.flat()[i], 4))
      expect(ours.loss.dataSync()[0]).toBeCloseTo(refLoss(theta).dataSync()[0], 5)
      const g = ours.grad.dataSync()
      const r = refGrad.dataSync()
      expect(g.length).toBe(layout(n).size)
      const scale = Math.max(...r.map(Math.abs))
      expect(scale).toBeGreaterThan(0)
      for (let i = 0; i < r.length; i++) expect(Math.abs(g[i] - r[i])).toBeLessThan(1e-4 * scale + 1e-7)
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
