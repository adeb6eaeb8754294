import * as tf from '@tensorflow/tfjs-core'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadPaperDataset } from '../../src/core/classify/dataset'
import { train } from '../../src/core/classify/train'
import { referenceData } from '../support/helpers'

const data = loadPaperDataset(join(referenceData, 'paper-gains'))
const quick = { window: 5, epochs: 15, batch: 500, split: 'random' as const }

describe('training', () => {
  it('is deterministic for a fixed seed and differs across seeds', async () => {
    const a = await train(data, { ...quick, seed: 4 })
    // Nothing is left on the backend after a run (a server trains many times).
    const tensors = tf.memory().numTensors
    const b = await train(data, { ...quick, seed: 4 })
    expect(tf.memory().numTensors).toBe(tensors)
    const c = await train(data, { ...quick, seed: 5 })
    const strip = ({ trainSeconds: _t, ...rest }: typeof a) => ({ ...rest, params: Array.from(rest.params) })
    expect(strip(b)).toEqual(strip(a))
    expect(Array.from(c.params)).not.toEqual(Array.from(a.params))
    expect(a.history).toHaveLength(15)
    // It learns: loss falls and the kept checkpoint beats chance on validation.
    expect(a.history[14].loss).toBeLessThan(a.history[0].loss)
    expect(a.validation.accuracy).toBeGreaterThan(0.4)
  })

  it('keeps the checkpoint with the best (weighted precision + accuracy) / 2 on validation', async () => {
    const r = await train(data, { ...quick, seed: 6, epochs: 25 })
    const score = (h: (typeof r.history)[number]) => (h.valPrecision + h.valAccuracy) / 2
    const best = Math.max(...r.history.map(score))
    expect(score(r.history[r.bestEpoch - 1])).toBe(best)
    expect(r.history.findIndex((h) => score(h) === best)).toBe(r.bestEpoch - 1)
    expect((r.validation.weightedPrecision + r.validation.accuracy) / 2).toBeCloseTo(best, 10)
  })

  it('trains with every batch size of the paper and with the leak-free split', async () => {
    for (const batch of [50, 3000]) {
      const r = await train(data, { ...quick, epochs: 2, batch, seed: 1 })
      expect(r.counts.train + r.counts.validation).toBe(3301 + 17 * 2)
    }
    const leak = await train(data, { ...quick, epochs: 2, seed: 1, split: 'leakfree' })
    expect(leak.counts.dropped).toBeGreaterThan(0)
    expect(leak.counts.train + leak.counts.validation + leak.counts.dropped).toBe(3301 + 17 * 2)
  })
})

describe("the paper's n=7 result", () => {
  it('reaches a mean validation precision >= 92% over seeds 1, 2, 3 with the paper settings (paper: 96.13%)', async () => {
    const runs = []
    for (const seed of [1, 2, 3]) {
      const r = await train(data, { window: 7, epochs: 700, batch: 500, seed, split: 'random' })
      runs.push(r)
      process.stderr.write(
        `n=7 seed ${seed}: validation precision ${r.validation.weightedPrecision.toFixed(4)}, ` +
          `eval1 macro accuracy ${r.eval1.macroAccuracy.toFixed(4)} / mean precision ${r.eval1.meanPrecision.toFixed(4)}, ` +
          `eval2 ${r.eval2.macroAccuracy.toFixed(4)} / ${r.eval2.meanPrecision.toFixed(4)}, ${r.trainSeconds.toFixed(1)} s\n`,
      )
    }
    const mean = runs.reduce((a, r) => a + r.validation.weightedPrecision, 0) / runs.length
    expect(mean).toBeGreaterThanOrEqual(0.92)
    // Evaluation sets are only reported, never tuned to; they must at least be scored on every class.
    for (const r of runs) expect(r.eval1.perClass.every((c) => c.accuracy !== null)).toBe(true)
  }, 300_000)
})
