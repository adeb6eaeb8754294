import { z } from 'zod'
import { session } from '../../shared/model'
import { defineJob } from '../jobs/job'
import { filePath, withStoreAt } from '../jobs/job-store'
import { exportBundle, importBundle } from './bundle'
import { defaultBundleLimits } from './bundle-read'

const rows = z.object({
  rows: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
})

/** Writes a session's bundle to a file (see exportBundle). */
export const exportBundleJob = defineJob({
  input: z.object({ db: filePath, sessionId: z.number().int().positive(), file: filePath }).strict(),
  progress: rows,
  output: z.object({ bytes: z.number().int().nonnegative() }),
  run: ({ db, sessionId, file }, { progress, signal }) =>
    withStoreAt(db, (store) =>
      exportBundle(store, sessionId, file, {
        signal,
        onProgress: (n, total) => progress({ rows: n, total }),
      }),
    ),
})

/** Restores a bundle file as a new session (see importBundle). */
export const importBundleJob = defineJob({
  input: z.object({ db: filePath, file: filePath }).strict(),
  progress: rows,
  output: session,
  run: ({ db, file }, { progress, signal }) =>
    withStoreAt(db, (store) =>
      importBundle(store, file, defaultBundleLimits, {
        signal,
        onProgress: (n, total) => progress({ rows: n, total }),
      }),
    ),
})
