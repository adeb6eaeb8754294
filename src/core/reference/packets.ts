import type { TelemetryRecord } from '../../shared/model'
import { decodeLog } from '../importlog/decode-log'
import { loadProfile } from '../telemetry'
import { Http1Stream, loggedRequestLine } from '../telemetry/http1'
import { defaultLimits } from '../telemetry/limits'
import type { HttpMessage } from '../telemetry/message'

/** One telemetry request of the authors' x64dbg log, as `webex-telemetry/packets.jsonl` holds it. */
export interface ReferencePacket {
  requestLine: string
  /** The packet's own time (`telemetrics[0].ts`). */
  ts: string
  /** The request body exactly as logged. */
  body: string
  /** `[audioMaxGain, audioMeanGain, audioMinGain]` of each interval inside, in order. */
  truth: [number, number, number][]
}

/**
 * The complete telemetry requests of the authors' x64dbg log, found by MuteScope's own log importer
 * (`import-log --format x64dbg`): each request's gains are the records the importer decoded from it, and its
 * body is what the importer's HTTP parser delimited. Requests the log cut short are left out.
 */
export function derivePackets(log: Buffer, source: string): ReferencePacket[] {
  const decoded = decodeLog(log, 'x64dbg', loadProfile('webex'), source)
  const recordsOf = new Map<string | null, TelemetryRecord[]>()
  for (const r of decoded.records) {
    const list = recordsOf.get(r.conn)
    if (list) list.push(r)
    else recordsOf.set(r.conn, [r])
  }
  return decoded.captures.flatMap((capture) => {
    const records = recordsOf.get(capture.conn)
    if (!records) return []
    const { requestLine, body } = loggedRequest(capture.data)
    const truth = records.map(
      (r) =>
        [r.fields.audioMaxGain, r.fields.audioMeanGain, r.fields.audioMinGain] as [number, number, number],
    )
    return [{ requestLine, ts: new Date(records[0].t).toISOString(), body, truth }]
  })
}

/** The request line and the body of one logged request (a request line with its JSON body glued on). */
function loggedRequest(bytes: Uint8Array): { requestLine: string; body: string } {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const requestLine = loggedRequestLine.exec(data.toString('latin1'))![0]
  let message: HttpMessage | undefined
  const http = new Http1Stream(
    defaultLimits,
    (m) => (message ??= m),
    () => {},
  )
  http.push(data)
  http.end()
  return { requestLine, body: message!.body.toString('utf8') }
}

/**
 * JSON lines in the layout of the independently extracted copy (keys in this order, `", "` and `": "`
 * between items), so the two files can be compared line by line.
 */
export function formatPackets(packets: ReferencePacket[]): string {
  const s = JSON.stringify
  return packets
    .map(
      (p) =>
        `{"requestLine": ${s(p.requestLine)}, "ts": ${s(p.ts)}, "body": ${s(p.body)}, ` +
        `"truth": [${p.truth.map((t) => `[${t.join(', ')}]`).join(', ')}]}\n`,
    )
    .join('')
}
