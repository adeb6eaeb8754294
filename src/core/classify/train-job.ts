import { z } from 'zod'
import { modelDetail, splitKind, trainProgress } from '../../shared/contract/classify'
import { defineJob } from '../jobs/job'

const recordings = z
  .array(
    z
      .object({
        group: z.string().max(4096),
        video: z.string().max(4096),
        label: z.number().int().nonnegative(),
        distanceCm: z.number().nullable(),
        minutes: z.array(z.tuple([z.number(), z.number(), z.number()])).max(10_000_000),
      })
      .strict(),
  )
  .max(1_000_000)

/** What train() returns: a saved model's fields but its id, date and data folder, and the parameters as floats. */
const trainOutcome = modelDetail.omit({ id: true, createdAt: true, data: true }).extend({
  params: z.custom<Float32Array>((v) => v instanceof Float32Array, 'params must be a Float32Array'),
})

/**
 * Trains the classifier (see train.ts) on a dataset loaded by the caller, which is where the data's errors
 * are reported at once. tfjs loads on first use, not when the core (or any CLI command) starts.
 */
export const trainJob = defineJob({
  input: z
    .object({
      dataset: z.object({ dev: recordings, eval1: recordings, eval2: recordings }).strict(),
      window: z.number().int().positive(),
      epochs: z.number().int().positive(),
      batch: z.number().int().positive(),
      seed: z.number().int().nonnegative(),
      split: splitKind,
    })
    .strict(),
  progress: trainProgress.omit({ jobId: true }),
  output: trainOutcome,
  run: async ({ dataset, ...settings }, { progress, signal }) => {
    const { train } = await import('./train')
    return train(dataset, { ...settings, signal, onEpoch: progress })
  },
})
