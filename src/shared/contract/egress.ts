import { z } from 'zod'
import { request } from './define'

/** Records listed per kind in a report for the UI; the counts cover them all. */
export const egressListLimit = 1000
/** pcapng files larger than this are saved with the CLI ("mutescope egress ID --pcapng FILE"). */
export const maxEgressPcapngBytes = 64 * 1024 ** 2

const recordRef = {
  t: z.number(),
  host: z.string().nullable(),
  path: z.string().nullable(),
  conn: z.string().nullable(),
}

export const egressStream = z.object({
  /** Server name from the ClientHello SNI (null when the stream had none, or its start was not recorded). */
  server: z.string().nullable(),
  /** The server's "host:port". */
  peer: z.string(),
  packets: z.number().int(),
  /** Bytes on the wire, both directions. */
  bytes: z.number().int(),
  stream: z.number().int(),
  client: z.string(),
})
export type EgressStream = z.infer<typeof egressStream>

/** Frame number in the session's egress pcapng, and its capture time. */
export const packetRef = z.object({ n: z.number().int(), t: z.number() })
export type PacketRef = z.infer<typeof packetRef>

export const egressProof = z.object({
  ...recordRef,
  stream: z.number().int(),
  server: z.string().nullable(),
  peer: z.string(),
  /** Offset of the record's plaintext in the stream's decrypted client data, and its length. */
  offset: z.number().int(),
  length: z.number().int(),
  /** Frames of the session's pcapng that carried the record. */
  packets: z.array(packetRef),
})
export type EgressProof = z.infer<typeof egressProof>

export const egressUnproven = z.object({ ...recordRef, reason: z.string() })
export type EgressUnproven = z.infer<typeof egressUnproven>

/** A session's egress recording: under way, kept, or not made (why is said beside it). */
export const egressStatus = z.enum(['recording', 'recorded', 'unavailable'])

export const egressReport = z.object({
  sessionId: z.number().int(),
  /** none: captured without --egress. */
  status: z.enum(['none', ...egressStatus.options]),
  /** Why egress was not recorded (status unavailable), or null. */
  reason: z.string().nullable(),
  records: z.number().int(),
  proven: z.number().int(),
  streams: z.array(egressStream),
  /** The first egressListLimit of each. */
  unproven: z.array(egressUnproven),
  proofs: z.array(egressProof),
  /** TLS secrets available to the decryption. */
  secrets: z.number().int(),
  analysisMs: z.number(),
})
export type EgressReportView = z.infer<typeof egressReport>

const sessionRef = z.object({ id: z.number().int().positive() }).strict()

export const egressRequests = {
  egressReport: request(
    "Proves record by record that the session's telemetry left the machine: its plaintext in the decrypted packets",
    sessionRef
      .extend({
        /** List every record, not the first egressListLimit of each kind (the CLI's report). */
        listAll: z.boolean().default(false),
      })
      .strict(),
    egressReport,
  ),
  egressPcapng: request(
    "The session's recorded packets as pcapng with the TLS secrets embedded (base64), for Wireshark",
    sessionRef,
    z.object({ fileName: z.string(), base64: z.string(), bytes: z.number().int() }),
  ),
}
