import { z } from 'zod'
import { telemetryRecord } from '../model'
import { maxRequestBytes, request } from './define'

export const profileInfo = z.object({
  name: z.string(),
  file: z.string(),
  builtin: z.boolean(),
  description: z.string(),
  intervalS: z.number().nullable(),
  kind: z.enum(['records', 'numericLeaves']).nullable(),
  /** Why a user profile cannot be used (it is listed so the user can fix it); null when valid. */
  error: z.string().nullable(),
})
export type ProfileInfo = z.infer<typeof profileInfo>

export const decodeProblem = z.object({
  conn: z.string().nullable(),
  t: z.number().nullable(),
  stage: z.string(),
  message: z.string(),
})

export const decodedDocument = z.object({
  t: z.number(),
  conn: z.string(),
  method: z.string(),
  target: z.string(),
  headers: z.record(z.string(), z.string()),
  /** The body document with every nested encoding replaced by what it held. */
  document: z.unknown(),
})

/** Bytes to decode travel in one request, leaving room for its envelope; more is decoded with the CLI. */
const maxInput = maxRequestBytes - 64 * 1024

export const telemetryRequests = {
  listProfiles: request(
    'Extraction profiles: the built-in ones and those in the user profile folder',
    z.object({}).strict(),
    z.object({ userDir: z.string(), profiles: z.array(profileInfo) }),
  ),
  decodeTelemetry: request(
    "Decodes captured plaintext with a profile: one connection's raw bytes (base64), or capture JSON lines",
    z
      .object({
        profile: z.string().min(1).max(4096),
        input: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('bytes'), base64: z.string().max(maxInput) }).strict(),
          z.object({ kind: z.literal('captureLines'), text: z.string().max(maxInput) }).strict(),
        ]),
      })
      .strict(),
    z.object({ records: z.array(telemetryRecord), problems: z.array(decodeProblem) }),
  ),
  decodeDocuments: request(
    "The request documents in one connection's raw bytes, every encoding undone (the inspector's decoded tree)",
    z
      .object({
        base64: z.string().max(maxInput),
        /** Only requests this profile matches; every request when omitted. */
        profile: z.string().min(1).max(4096).optional(),
      })
      .strict(),
    z.object({ documents: z.array(decodedDocument), problems: z.array(decodeProblem) }),
  ),
}
