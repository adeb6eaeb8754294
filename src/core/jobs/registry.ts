import type { z } from 'zod'
import { trainJob } from '../classify/train-job'
import { analyzeEgressJob } from '../egress/analyze-job'
import { exportBundleJob, importBundleJob } from '../store/bundle-jobs'
import { decodeDocumentsJob, decodeTelemetryJob } from '../telemetry/decode-jobs'
import type { JobContext, JobDef } from './job'

/** Every job that can run on a worker thread, by the name the worker is started with. */
export const jobs = {
  exportBundle: exportBundleJob,
  importBundle: importBundleJob,
  train: trainJob,
  analyzeEgress: analyzeEgressJob,
  decodeTelemetry: decodeTelemetryJob,
  decodeDocuments: decodeDocumentsJob,
} satisfies Record<string, JobDef>

export type Jobs = typeof jobs
export type JobName = keyof Jobs
export type JobInput<N extends JobName> = z.input<Jobs[N]['input']>
export type JobProgress<N extends JobName> = z.output<Jobs[N]['progress']>
export type JobOutput<N extends JobName> = z.output<Jobs[N]['output']>

export function jobNamed(name: string): JobDef {
  if (!Object.hasOwn(jobs, name)) throw new Error(`no job is named "${name}"`)
  return jobs[name as JobName] as unknown as JobDef
}

/** Runs a job on this thread, its input checked first: the same path on a worker and inline. */
export function execute(name: string, input: unknown, ctx: JobContext<unknown>): Promise<unknown> {
  const job = jobNamed(name)
  return job.run(job.input.parse(input), ctx)
}
