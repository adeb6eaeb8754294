import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import seedrandom from 'seedrandom'
import { type DecodeProblem, loadProfile, TelemetryDecoder } from '../../src/core/telemetry'
import type { TelemetryRecord } from '../../src/shared/model'
import { referenceData } from '../support/helpers'

/** One real Webex telemetry request of the reference data (see ../shared/data/README.md). */
export interface Packet {
  requestLine: string
  ts: string
  body: string
  truth: [number, number, number][]
}

export const packets: Packet[] = readFileSync(join(referenceData, 'webex-telemetry', 'packets.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Packet)

/** Every truth triple of the given packets, in order, with its packet's ts. */
export function truthOf(ps: Packet[]): { ts: string; gains: number[] }[] {
  return ps.flatMap((p) => p.truth.map((gains) => ({ ts: p.ts, gains })))
}

export function gainsOf(rs: TelemetryRecord[]): { ts: string; gains: number[] }[] {
  return rs.map((r) => ({
    ts: new Date(r.t).toISOString(),
    gains: [r.fields.audioMaxGain, r.fields.audioMeanGain, r.fields.audioMinGain] as number[],
  }))
}

export const host = 'ecomm.webex.com'

/** Feeds writes of one connection to a webex decoder; returns what came out. */
export function decodeWrites(
  writes: Buffer[],
  conn = 'c1',
): { records: TelemetryRecord[]; problems: DecodeProblem[] } {
  const d = new TelemetryDecoder(loadProfile('webex'))
  const records: TelemetryRecord[] = []
  const problems: DecodeProblem[] = []
  d.on('record', (r) => records.push(r))
  d.on('problem', (p) => problems.push(p))
  writes.forEach((data, i) => d.push({ t: i, conn, dir: 'out', data }))
  d.end()
  return { records, problems }
}

export function headerless(p: Packet): Buffer {
  return Buffer.from(`${p.requestLine}\n${p.body}\n`)
}

export function withLength(p: Packet, body: Buffer = Buffer.from(p.body), extra: string[] = []): Buffer {
  const head = [
    p.requestLine,
    `Host: ${host}`,
    'Content-Type: application/json',
    ...extra,
    `Content-Length: ${body.length}`,
  ]
  return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n'), body])
}

export function chunked(
  p: Packet,
  rng: () => number,
  body: Buffer = Buffer.from(p.body),
  extra: string[] = [],
): Buffer {
  const parts: Buffer[] = [
    Buffer.from(
      [
        p.requestLine,
        `Host: ${host}`,
        'Content-Type: application/json',
        ...extra,
        'Transfer-Encoding: chunked',
      ].join('\r\n') + '\r\n\r\n',
    ),
  ]
  for (let i = 0; i < body.length;) {
    const n = Math.min(body.length - i, 1 + Math.floor(rng() * 2000))
    parts.push(
      Buffer.from(`${n.toString(16)}${rng() < 0.2 ? ';ext=1' : ''}\r\n`),
      body.subarray(i, i + n),
      Buffer.from('\r\n'),
    )
    i += n
  }
  parts.push(Buffer.from('0\r\n\r\n'))
  return Buffer.concat(parts)
}

export function rngFor(seed: string): () => number {
  return seedrandom(seed)
}

/** Splits bytes into writes of random sizes (1 byte up to `max`). */
export function splitRandomly(bytes: Buffer, rng: () => number, max = 3000): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < bytes.length;) {
    const n = 1 + Math.floor(rng() * rng() * max)
    out.push(bytes.subarray(i, i + n))
    i += n
  }
  return out
}
