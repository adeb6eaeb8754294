import { z } from 'zod'

/**
 * Progress of a long job running on a worker thread (the classifier's training has its own events,
 * classifyProgress and classifyDone). The request that started it answers when it ends.
 */
export const jobProgress = z.object({
  job: z.enum(['exportSession', 'importSession', 'egressReport']),
  /** What it works on: the session id (export, egress) or the import's transferId. */
  subject: z.string().max(64),
  /** What it is doing now, in words. */
  stage: z.string().max(200),
  done: z.number().int().nonnegative(),
  /** Out of how many (rows, steps); null while unknown. */
  total: z.number().int().nonnegative().nullable(),
})
export type JobProgressEvent = z.infer<typeof jobProgress>

export const jobsEvents = { jobProgress }
