/**
 * Telemetry decoding: from captured plaintext to telemetry records.
 *
 * Streaming use (capture engine, experiment service):
 *
 *   const decoder = new TelemetryDecoder(loadProfile('webex'))
 *   decoder.on('record', (r: TelemetryRecord) => ...)   // r.fields holds the profile's fields
 *   decoder.on('problem', (p: DecodeProblem) => ...)    // a malformed part, already skipped
 *   decoder.on('document', (d: DecodedDocument) => ...) // optional: each decoded request document (tree)
 *   decoder.push(capture)                               // every Capture, in capture order
 *   decoder.close(conn)                                 // when a connection closes (optional)
 *   decoder.end()                                       // at the end of the capture
 *
 * Records are emitted synchronously from `push` as soon as a request is complete. Per connection
 * (`Capture.conn`), outbound writes are reassembled into requests: HTTP/1.1 (Content-Length, chunked,
 * keep-alive, pipelined, split writes), request lines followed directly by a JSON body (logs without
 * headers), and HTTP/2, from its connection preface on or joined mid-connection (a capture attached to a
 * running app): frame boundaries are found where frame headers line up, and header fields that refer to the
 * HPACK table built before the attach are unknown (a record's path is then null, with a note). Plaintext
 * that is neither is reported, not passed over. Inbound writes (responses) are skipped. Bodies are un-Content-Encoded (gzip, deflate, br), split into documents (JSON, NDJSON, form),
 * their nested encodings (base64 of gzip/zlib/deflate/JSON) expanded, and the profile's fields extracted.
 * `DecodeLimits` bound every stage; nothing thrown escapes `push` for any input.
 *
 * One-shot helpers: `decodeBytes` (the raw bytes of one connection), `decodeCaptureLines` (exported
 * capture JSON lines of many connections) and `decodeDocuments` (the decoded request trees of some bytes,
 * for an inspector). Profiles: `loadProfile(name | path)`, `profileNames()`;
 * built-in ones are data files in resources/profiles.
 */
import type { TelemetryRecord } from '../../shared/model'
import { decodeCaptureText } from './capture-lines'
import { type DecodedDocument, TelemetryDecoder } from './decoder'
import type { DecodeLimits } from './limits'
import type { DecodeProblem } from './problem'
import { loadProfile, type Profile } from './profile'

export { TelemetryDecoder, type DecodedDocument } from './decoder'
export { defaultLimits, type DecodeLimits } from './limits'
export type { DecodeProblem } from './problem'
export { compileProfile, loadProfile, profileNames, userProfileDir, type Profile } from './profile'

export interface Decoded {
  records: TelemetryRecord[]
  problems: DecodeProblem[]
}

function collect(
  profile: Profile,
  limits: Partial<DecodeLimits>,
  feed: (d: TelemetryDecoder) => void,
): Decoded {
  const decoder = new TelemetryDecoder(profile, limits)
  const out: Decoded = { records: [], problems: [] }
  decoder.on('record', (r) => out.records.push(r))
  decoder.on('problem', (p) => out.problems.push(p))
  feed(decoder)
  decoder.end()
  return out
}

/** Decodes the outbound bytes of one connection; `t` stands for the capture time of records without one. */
export function decodeBytes(
  bytes: Uint8Array,
  profile: Profile,
  opts: { t?: number; conn?: string; limits?: Partial<DecodeLimits> } = {},
): Decoded {
  return collect(profile, opts.limits ?? {}, (d) =>
    d.push({ t: opts.t ?? 0, conn: opts.conn ?? 'input', dir: 'out', data: bytes }),
  )
}

/**
 * The request documents in the outbound bytes of one connection, every encoding undone, with the problems
 * met; the generic profile (which matches every request) when none is given.
 */
export function decodeDocuments(
  bytes: Uint8Array,
  opts: { t?: number; conn?: string; profile?: Profile; limits?: Partial<DecodeLimits> } = {},
): { documents: DecodedDocument[]; problems: DecodeProblem[] } {
  const documents: DecodedDocument[] = []
  const { problems } = collect(opts.profile ?? loadProfile('generic'), opts.limits ?? {}, (d) => {
    d.on('document', (doc) => documents.push(doc))
    d.push({ t: opts.t ?? 0, conn: opts.conn ?? 'input', dir: 'out', data: bytes })
  })
  return { documents, problems }
}

/** Decodes capture JSON lines (`{t, conn, fn, module, dir, peer, data}`, data base64); bad lines are problems. */
export function decodeCaptureLines(
  text: string,
  profile: Profile,
  limits: Partial<DecodeLimits> = {},
): Decoded {
  return collect(profile, limits, (d) => decodeCaptureText(text, d))
}
