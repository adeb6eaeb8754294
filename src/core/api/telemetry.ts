import type { telemetryRequests } from '../../shared/contract/telemetry'
import { listProfiles, userProfileDir } from '../telemetry/profile'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

/** Decoding up to 16 MiB of input is bulk work: it runs as a job, on a worker thread. */
export function telemetryHandlers({
  jobs,
}: Pick<AppContext, 'jobs'>): HandlerGroup<typeof telemetryRequests> {
  return {
    listProfiles: () => ({ userDir: userProfileDir(), profiles: listProfiles() }),
    decodeTelemetry: ({ profile, input }) => jobs.run('decodeTelemetry', { profile, input, t: Date.now() }),
    decodeDocuments: ({ base64, profile }) => jobs.run('decodeDocuments', { base64, profile, t: Date.now() }),
  }
}
