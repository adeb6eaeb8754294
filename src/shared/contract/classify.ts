import { z } from 'zod'
import { request } from './define'

/** The six background activities of the paper, in the authors' class-index order. */
export const CLASS_NAMES = [
  'classical music',
  'cooking or eating',
  'crowd talking',
  'dog barking',
  'keyboard typing',
  'cleaning',
] as const

export const WINDOW_SIZES = [3, 5, 7, 10] as const
export const BATCH_SIZES = [50, 500, 1000, 1500, 3000] as const

/**
 * The results the paper reports in Sec. 5.3 ("Are You Really Muted?", PETS 2022; data and code:
 * github.com/wi-pi/VCAMuteButton_PoPETS), as fractions. Only n=3 and n=7 were run on the evaluation sets.
 */
export const PAPER_RESULTS = [
  {
    window: 3,
    validationPrecision: 0.9226,
    eval1: { macroAccuracy: 0.787, meanPrecision: 0.7935 },
    eval2: { macroAccuracy: 0.7848, meanPrecision: 0.8435 },
  },
  { window: 5, validationPrecision: 0.9298, eval1: null, eval2: null },
  {
    window: 7,
    validationPrecision: 0.9613,
    eval1: { macroAccuracy: 0.7775, meanPrecision: 0.7307 },
    eval2: { macroAccuracy: 0.8903, meanPrecision: 0.8747 },
  },
  { window: 10, validationPrecision: 0.969, eval1: null, eval2: null },
] as const

export const setName = z.enum(['dev', 'eval1', 'eval2'])
/** The sets a trained model is measured on: its validation share of development, and the evaluation sets. */
export const classifierSet = z.enum(['validation', 'eval1', 'eval2'])
export type ClassifierSet = z.infer<typeof classifierSet>

export const SET_TITLES = {
  dev: 'Development (new videos, 10/25/50 cm)',
  validation: 'Validation',
  eval1: 'Evaluation 1 (other videos, 10/25/50 cm)',
  eval2: 'Evaluation 2 (100 cm)',
} as const

/** CLASS_NAMES short enough for table headers and matrix axes. */
export const SHORT_LABELS = ['music', 'cook/eat', 'talking', 'dog', 'keyboard', 'cleaning'] as const
export const splitKind = z.enum(['random', 'leakfree'])
export type SplitKind = z.infer<typeof splitKind>

export const classMetrics = z.object({
  label: z.string(),
  /** Share of windows predicted as this class that are this class; 0 when none were (as sklearn). */
  precision: z.number(),
  /** Share of this class's windows predicted correctly (the authors' per-class accuracy); null if absent. */
  accuracy: z.number().nullable(),
})

export const setMetrics = z.object({
  windows: z.number().int(),
  accuracy: z.number(),
  /** Precision weighted by class support (sklearn average='weighted'): the paper's validation precision. */
  weightedPrecision: z.number(),
  macroAccuracy: z.number(),
  meanPrecision: z.number(),
  perClass: z.array(classMetrics),
  /** Rows = true class, columns = predicted class. */
  counts: z.array(z.array(z.number().int())),
  /** Rows normalised to sum to 1. */
  confusion: z.array(z.array(z.number())),
})
export type SetMetrics = z.infer<typeof setMetrics>

export const windowSize = z.number().int().min(3).max(60)

const epochs = z.number().int().min(1).max(100_000)
const batch = z.number().int().min(1).max(100_000)
const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31)

export const trainSettings = z.object({ window: windowSize, epochs, batch, seed, split: splitKind })
export type TrainSettings = z.infer<typeof trainSettings>

export const trainCounts = z.object({
  train: z.number().int(),
  validation: z.number().int(),
  eval1: z.number().int(),
  eval2: z.number().int(),
  /** Windows the leak-free split used on neither side. */
  dropped: z.number().int(),
})

export const epochPoint = z.object({
  epoch: z.number().int(),
  loss: z.number(),
  valAccuracy: z.number(),
  valPrecision: z.number(),
})

/** A trained model's description and results, without its parameters. */
export const modelSummary = trainSettings.extend({
  id: z.string(),
  createdAt: z.number(),
  data: z.string(),
  bestEpoch: z.number().int(),
  backend: z.string(),
  trainSeconds: z.number(),
  counts: trainCounts,
  validation: setMetrics,
  eval1: setMetrics,
  eval2: setMetrics,
})
export type ModelSummary = z.infer<typeof modelSummary>

export const modelDetail = modelSummary.extend({ history: z.array(epochPoint) })
export type ModelDetail = z.infer<typeof modelDetail>

/** The file format of a saved model (data directory, classifier-models/ID.json). */
export const savedModel = modelDetail.extend({
  format: z.literal('mutescope-classifier-1'),
  labels: z.array(z.string()),
  params: z.array(z.number()),
})
export type SavedModel = z.infer<typeof savedModel>

export const summaryRow = z.object({
  set: setName,
  minutes: z.array(z.number().int()),
  clips: z.array(z.number().int()),
  recordings: z.array(z.number().int()),
})

const dataSource = z.object({
  /** Folder holding the authors' seven files; defaults to paper-gains/ of the reference data (`mutescope data fetch`). */
  data: z.string().max(4096).optional(),
  /** Labelled sessions of the store to add to one set. */
  sessions: z.array(z.number().int().positive()).max(1000).default([]),
  sessionsSet: setName.default('dev'),
})

export const trainProgress = epochPoint.extend({
  jobId: z.string(),
  epochs: z.number().int(),
  bestEpoch: z.number().int(),
  bestScore: z.number(),
})
export type TrainProgress = z.infer<typeof trainProgress>

export const trainJob = z.object({
  jobId: z.string(),
  settings: trainSettings,
  startedAt: z.number(),
  progress: trainProgress.nullable(),
})

export const prediction = z.object({
  sessionId: z.number().int(),
  modelId: z.string(),
  window: z.number().int(),
  /** Gains records the session holds; the last `window` were classified. */
  records: z.number().int(),
  from: z.number(),
  to: z.number(),
  /** The [max, mean, min] gains that were classified, oldest first. */
  gains: z.array(z.tuple([z.number(), z.number(), z.number()])),
  predicted: z.string(),
  probabilities: z.array(z.object({ label: z.string(), p: z.number() })),
})
export type Prediction = z.infer<typeof prediction>

export const classifyRequests = {
  classifyDataset: request(
    "Minutes and clips per class and set (the paper's Table 3) for a window size",
    dataSource.extend({ window: windowSize }).strict(),
    z.object({
      data: z.string(),
      window: z.number().int(),
      classes: z.array(z.string()),
      rows: z.array(summaryRow),
    }),
  ),
  classifyStartTraining: request(
    'Starts training in the background; progress arrives as classifyProgress, the end as classifyDone',
    dataSource
      .extend({
        window: windowSize.default(7),
        epochs: epochs.default(700),
        batch: batch.default(500),
        seed: seed.default(1),
        split: splitKind.default('random'),
      })
      .strict(),
    trainJob,
  ),
  classifyTrainingStatus: request(
    'The training running now, if any',
    z.object({}).strict(),
    trainJob.nullable(),
  ),
  classifyCancelTraining: request(
    'Stops the running training (nothing is saved)',
    z.object({ jobId: z.string() }).strict(),
    z.object({ cancelled: z.boolean() }),
  ),
  classifyListModels: request('Saved models, newest first', z.object({}).strict(), z.array(modelSummary)),
  classifyGetModel: request(
    'One saved model with its training curve',
    z.object({ id: z.string().max(200) }).strict(),
    modelDetail,
  ),
  classifyDeleteModel: request(
    'Deletes a saved model',
    z.object({ id: z.string().max(200) }).strict(),
    z.object({ deleted: z.string() }),
  ),
  classifyPredict: request(
    "Infers the background activity from a session's latest n gains records (n = the model's window)",
    z.object({ sessionId: z.number().int().positive(), modelId: z.string().max(200).optional() }).strict(),
    prediction,
  ),
}

export const classifyEvents = {
  classifyProgress: trainProgress,
  classifyDone: z.object({ jobId: z.string(), model: modelSummary.nullable(), error: z.string().nullable() }),
}
