import { z } from 'zod'
import { egressReport } from '../../shared/contract/egress'
import { defineJob } from '../jobs/job'
import { filePath, withStoreAt } from '../jobs/job-store'
import { analyzeEgress, egressStages } from './analyze'

/** Proves a session's egress (see analyzeEgress); with `listLimit`, lists at most that many records of each kind. */
export const analyzeEgressJob = defineJob({
  input: z
    .object({
      db: filePath,
      sessionId: z.number().int().positive(),
      listLimit: z.number().int().positive().optional(),
    })
    .strict(),
  progress: z.object({ stage: z.enum(egressStages) }),
  output: egressReport,
  run: ({ db, sessionId, listLimit }, { progress }) =>
    withStoreAt(db, async (store) => {
      const r = await analyzeEgress(store, sessionId, (stage) => progress({ stage }))
      return { ...r, unproven: r.unproven.slice(0, listLimit), proofs: r.proofs.slice(0, listLimit) }
    }),
})
