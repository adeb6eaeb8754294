import { randomUUID } from 'node:crypto'
import {
  CLASS_NAMES,
  type classifyRequests,
  type TrainProgress,
  type TrainSettings,
} from '../../shared/contract/classify'
import { loadDataset, summarize } from '../classify/dataset'
import { defaultModel, deleteModel, listModels, loadModel, saveModel, summaryOf } from '../classify/models'
import { errorMessage, UserError } from '../errors'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

interface Job {
  jobId: string
  settings: TrainSettings
  startedAt: number
  progress: TrainProgress | null
  abort: AbortController
}

/**
 * One training at a time, on a worker thread (the train job), so that neither its epochs nor its final
 * evaluation hold up other requests; the dataset is loaded here first, so its errors answer the request.
 */
export function classifyHandlers({
  store,
  events,
  dataDir,
  jobs,
}: Pick<AppContext, 'store' | 'events' | 'dataDir' | 'jobs'>): HandlerGroup<typeof classifyRequests> {
  let job: Job | null = null
  const status = (j: Job | null) =>
    j && { jobId: j.jobId, settings: j.settings, startedAt: j.startedAt, progress: j.progress }

  return {
    classifyDataset: ({ window, ...src }) => {
      const { dataset, data } = loadDataset(src, store)
      return { data, window, classes: [...CLASS_NAMES], rows: summarize(dataset, window) }
    },
    classifyStartTraining: ({ window, epochs, batch, seed, split, ...src }) => {
      if (job)
        throw new UserError('a training is already running; wait for it to finish or cancel it', 'busy')
      const { dataset, data } = loadDataset(src, store)
      const current: Job = {
        jobId: randomUUID(),
        settings: { window, epochs, batch, seed, split },
        startedAt: Date.now(),
        progress: null,
        abort: new AbortController(),
      }
      job = current
      const { jobId } = current
      jobs
        .run(
          'train',
          { dataset, ...current.settings },
          {
            signal: current.abort.signal,
            onProgress: (p) => {
              current.progress = { jobId, ...p }
              events.emit('classifyProgress', current.progress)
            },
          },
        )
        .then((outcome) => ({ model: summaryOf(saveModel(outcome, data, dataDir)), error: null }))
        .catch((err: unknown) => ({ model: null, error: errorMessage(err) }))
        .then((end) => {
          // Free the slot first, so a listener of classifyDone may start the next training at once.
          if (job === current) job = null
          events.emit('classifyDone', { jobId, ...end })
        })
      return status(current)!
    },
    classifyTrainingStatus: () => status(job),
    classifyCancelTraining: ({ jobId }) => {
      if (!job || job.jobId !== jobId) return { cancelled: false }
      job.abort.abort()
      return { cancelled: true }
    },
    classifyListModels: () => listModels(dataDir),
    classifyGetModel: ({ id }) => {
      const { params: _params, format: _format, labels: _labels, ...detail } = loadModel(id, dataDir)
      return detail
    },
    classifyDeleteModel: ({ id }) => {
      deleteModel(id, dataDir)
      return { deleted: id }
    },
    classifyPredict: async ({ sessionId, modelId }) => {
      const model = modelId ? loadModel(modelId, dataDir) : defaultModel(dataDir)
      const { predictSession } = await import('../classify/predict')
      return predictSession(store, sessionId, model)
    },
  }
}
