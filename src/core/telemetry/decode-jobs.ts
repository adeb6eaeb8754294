import { z } from 'zod'
import { telemetryRequests } from '../../shared/contract/telemetry'
import { maxRequestBytes } from '../../shared/contract/define'
import { defineJob } from '../jobs/job'
import { decodeBytes, decodeCaptureLines, decodeDocuments, loadProfile } from './index'

const profile = z.string().min(1).max(4096)
const text = z.string().max(maxRequestBytes)
/** Capture time given to records that carry none. */
const t = z.number()

/** Decodes one connection's raw bytes (base64) or capture JSON lines with a profile. */
export const decodeTelemetryJob = defineJob({
  input: z
    .object({
      profile,
      t,
      input: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('bytes'), base64: text }).strict(),
        z.object({ kind: z.literal('captureLines'), text }).strict(),
      ]),
    })
    .strict(),
  progress: z.never(),
  output: telemetryRequests.decodeTelemetry.output,
  run: async ({ profile, t, input }) => {
    const p = loadProfile(profile)
    return input.kind === 'bytes'
      ? decodeBytes(Buffer.from(input.base64, 'base64'), p, { t })
      : decodeCaptureLines(input.text, p)
  },
})

/** The request documents in one connection's raw bytes (base64), every encoding undone. */
export const decodeDocumentsJob = defineJob({
  input: z.object({ base64: text, profile: profile.optional(), t }).strict(),
  progress: z.never(),
  output: telemetryRequests.decodeDocuments.output,
  run: async ({ base64, profile, t }) =>
    decodeDocuments(Buffer.from(base64, 'base64'), {
      t,
      profile: profile === undefined ? undefined : loadProfile(profile),
    }),
})
