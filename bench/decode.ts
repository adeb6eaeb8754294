// Decoding throughput over the 1,238 real Webex packets (`mutescope data fetch`), in the framings a capture meets.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { packetsFile, referenceDir } from '../src/core/reference/location'
import { loadProfile, TelemetryDecoder } from '../src/core/telemetry'

interface Packet {
  requestLine: string
  body: string
}

const packets = readFileSync(join(referenceDir(), packetsFile), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Packet)

const request = (p: Packet, body: Buffer, extra = '') =>
  Buffer.concat([
    Buffer.from(
      `${p.requestLine}\r\nHost: h\r\nContent-Type: application/json\r\n${extra}Content-Length: ${body.length}\r\n\r\n`,
    ),
    body,
  ])

const framings: [string, Buffer][] = [
  ['headerless bodies', Buffer.concat(packets.map((p) => Buffer.from(`${p.requestLine}\n${p.body}\n`)))],
  ['HTTP/1.1 Content-Length', Buffer.concat(packets.map((p) => request(p, Buffer.from(p.body))))],
  [
    'HTTP/1.1 gzip-encoded',
    Buffer.concat(packets.map((p) => request(p, gzipSync(p.body), 'Content-Encoding: gzip\r\n'))),
  ],
]

const profile = loadProfile('webex')
const writeSize = 1400
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)

for (const [name, bytes] of framings) {
  let records = 0
  const run = () => {
    const d = new TelemetryDecoder(profile)
    d.on('record', () => records++)
    for (let i = 0; i < bytes.length; i += writeSize)
      d.push({ t: i, conn: 'bench', dir: 'out', data: bytes.subarray(i, i + writeSize) })
    d.end()
  }
  run() // warm-up
  records = 0
  const t0 = process.hrtime.bigint()
  for (let r = 0; r < rounds; r++) run()
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  const mb = (bytes.length * rounds) / 1e6
  console.log(
    `${name.padEnd(26)} ${(mb / s).toFixed(1).padStart(7)} MB/s  ${((records / s) | 0).toString().padStart(7)} records/s  (${(bytes.length / 1e6).toFixed(2)} MB x ${rounds}, ${writeSize}-byte writes)`,
  )
}
