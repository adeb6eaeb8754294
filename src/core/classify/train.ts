import * as tf from '@tensorflow/tfjs-core'
import type { TrainSettings } from '../../shared/contract/classify'
import { UserError } from '../errors'
import { tfReady } from './backend'
import { makeWindows, type Dataset, type Windows } from './dataset'
import { NUM_CLASSES } from './labels'
import { checkpointScore, setMetrics, type SetMetrics } from './metrics'
import { initParams } from './layout'
import { Network } from './network'
import { makeRng, shuffle } from './random'
import { leakFreeSplit, randomSplit, type SplitKind } from './split'

export interface TrainOptions extends TrainSettings {
  learningRate?: number
  /** Called after every epoch (training loss, validation metrics, best checkpoint so far). */
  onEpoch?: (p: EpochProgress) => void
  signal?: AbortSignal
}

export interface EpochProgress {
  epoch: number
  epochs: number
  /** Mean of the epoch's batch losses. */
  loss: number
  valAccuracy: number
  valPrecision: number
  bestEpoch: number
  bestScore: number
}

export interface TrainOutcome {
  window: number
  batch: number
  seed: number
  split: SplitKind
  epochs: number
  /** 1-based epoch of the kept checkpoint. */
  bestEpoch: number
  backend: string
  /** Parameters of the kept checkpoint (see network.ts for their layout). */
  params: Float32Array
  counts: { train: number; validation: number; eval1: number; eval2: number; dropped: number }
  validation: SetMetrics
  eval1: SetMetrics
  eval2: SetMetrics
  history: Omit<EpochProgress, 'epochs' | 'bestEpoch' | 'bestScore'>[]
  trainSeconds: number
}

/** A batch assembled in JS (gathering in tfjs costs more here): x [B, 3n], x transposed, one-hot labels. */
function batchTensors(w: Windows, idx: Int32Array) {
  const b = idx.length
  const f = 3 * w.n
  const x = new Float32Array(b * f)
  const xT = new Float32Array(b * f)
  const y = new Float32Array(b * NUM_CLASSES)
  for (let r = 0; r < b; r++) {
    const src = idx[r] * f
    for (let k = 0; k < f; k++) {
      const v = w.x[src + k]
      x[r * f + k] = v
      xT[k * b + r] = v
    }
    y[r * NUM_CLASSES + w.y[idx[r]]] = 1
  }
  return { x: tf.tensor2d(x, [b, f]), xT: tf.tensor2d(xT, [f, b]), y: tf.tensor2d(y, [b, NUM_CLASSES]) }
}

/** Class probabilities of `count` windows (x as in Windows) under the given parameters. */
export function probabilities(
  net: Network,
  params: tf.Tensor1D,
  x: Float32Array,
  count: number,
): Float32Array {
  if (count === 0) return new Float32Array(0)
  const p = tf.tidy(() => tf.softmax(net.logits(params, tf.tensor2d(x, [count, 3 * net.l.n]))))
  const out = p.dataSync() as Float32Array
  p.dispose()
  return out
}

export function argmaxRows(p: Float32Array): Int32Array {
  const out = new Int32Array(p.length / NUM_CLASSES)
  for (let i = 0; i < out.length; i++) {
    let best = 0
    for (let c = 1; c < NUM_CLASSES; c++) if (p[i * NUM_CLASSES + c] > p[i * NUM_CLASSES + best]) best = c
    out[i] = best
  }
  return out
}

function subset(w: Windows, idx: Int32Array): { x: Float32Array; y: Int32Array } {
  const f = 3 * w.n
  const x = new Float32Array(idx.length * f)
  idx.forEach((i, r) => x.set(w.x.subarray(i * f, (i + 1) * f), r * f))
  return { x, y: Int32Array.from(idx, (i) => w.y[i]) }
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Trains the authors' network on the development set and evaluates the kept checkpoint on validation and
 * both evaluation sets. Every random choice comes from `seed`, and the wasm/CPU kernels are single-threaded,
 * so a run is reproducible. Yields to the event loop after each epoch so a server stays responsive.
 */
export async function train(data: Dataset, o: TrainOptions): Promise<TrainOutcome> {
  const backend = await tfReady()
  const dev = makeWindows(data.dev, o.window)
  if (dev.count === 0) {
    throw new UserError(
      `the development set has no windows of ${o.window} minutes; check --data and --window`,
    )
  }
  const rng = makeRng(o.seed)
  const split = o.split === 'leakfree' ? leakFreeSplit(dev, data.dev, o.seed) : randomSplit(dev, rng)
  if (split.train.length === 0 || split.val.length === 0) {
    throw new UserError(
      `the development set is too small to split into training and validation at window ${o.window}`,
    )
  }
  const val = subset(dev, split.val)
  const net = new Network(o.window)
  const theta = tf.tidy(() => tf.variable(tf.tensor1d(initParams(net.l, rng))))
  const optimizer = tf.train.adam(o.learningRate ?? 0.001, 0.9, 0.999, 1e-8) // PyTorch's Adam defaults
  const best = { epoch: 0, score: -1, params: new Float32Array(0) }
  const history: TrainOutcome['history'] = []
  const started = performance.now()
  try {
    const order = Int32Array.from(split.train)
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      if (o.signal?.aborted) throw new UserError('training was cancelled', 'cancelled')
      shuffle(order, rng)
      let lossSum = 0
      let batches = 0
      for (let start = 0; start < order.length; start += o.batch) {
        const loss = tf.tidy(() => {
          const b = batchTensors(dev, order.subarray(start, start + o.batch))
          const { loss, grad } = net.lossAndGrad(theta, b.x, b.xT, b.y)
          optimizer.applyGradients([{ name: theta.name, tensor: grad }])
          return loss
        })
        lossSum += (await loss.data())[0]
        loss.dispose()
        batches++
      }
      const m = setMetrics(val.y, argmaxRows(probabilities(net, theta, val.x, val.y.length)))
      const score = checkpointScore(m)
      if (score > best.score) Object.assign(best, { epoch, score, params: theta.dataSync().slice() })
      const progress = {
        epoch,
        epochs: o.epochs,
        loss: lossSum / batches,
        valAccuracy: m.accuracy,
        valPrecision: m.weightedPrecision,
        bestEpoch: best.epoch,
        bestScore: best.score,
      }
      history.push({ epoch, loss: progress.loss, valAccuracy: m.accuracy, valPrecision: m.weightedPrecision })
      o.onEpoch?.(progress)
      await nextTick()
    }
    const trainSeconds = (performance.now() - started) / 1000
    const params = tf.tensor1d(best.params)
    const evaluate = (x: Float32Array, y: Int32Array) =>
      setMetrics(y, argmaxRows(probabilities(net, params, x, y.length)))
    const e1 = makeWindows(data.eval1, o.window)
    const e2 = makeWindows(data.eval2, o.window)
    const outcome: TrainOutcome = {
      window: o.window,
      batch: o.batch,
      seed: o.seed,
      split: o.split,
      epochs: o.epochs,
      bestEpoch: best.epoch,
      backend,
      params: best.params,
      counts: {
        train: split.train.length,
        validation: split.val.length,
        eval1: e1.count,
        eval2: e2.count,
        dropped: split.dropped,
      },
      validation: evaluate(val.x, val.y),
      eval1: evaluate(e1.x, e1.y),
      eval2: evaluate(e2.x, e2.y),
      history,
      trainSeconds,
    }
    params.dispose()
    return outcome
  } finally {
    theta.dispose()
    optimizer.dispose()
    net.dispose()
  }
}
