import type { telemetryRequests } from '../../shared/contract/telemetry'
import { decodeBytes, decodeCaptureLines, decodeDocuments, loadProfile } from '../telemetry'
import { listProfiles, userProfileDir } from '../telemetry/profile'
import type { HandlerGroup } from './handlers'

export function telemetryHandlers(): HandlerGroup<typeof telemetryRequests> {
  return {
    listProfiles: () => ({ userDir: userProfileDir(), profiles: listProfiles() }),
    decodeTelemetry: ({ profile, input }) => {
      const p = loadProfile(profile)
      return input.kind === 'bytes'
        ? decodeBytes(Buffer.from(input.base64, 'base64'), p, { t: Date.now() })
        : decodeCaptureLines(input.text, p)
    },
    decodeDocuments: ({ base64, profile }) =>
      decodeDocuments(Buffer.from(base64, 'base64'), {
        t: Date.now(),
        profile: profile === undefined ? undefined : loadProfile(profile),
      }),
  }
}
