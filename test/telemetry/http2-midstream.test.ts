import hpack from 'hpack.js'
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  compileProfile,
  decodeBytes,
  decodeDocuments,
  loadProfile,
  TelemetryDecoder,
  type DecodeProblem,
} from '../../src/core/telemetry'
import type { TelemetryRecord } from '../../src/shared/model'
import { curlArgs, makeCert, startCapture, startProcess } from '../capture/tls-lab'
import { repoRoot, runCli, tempDir } from '../support/helpers'
import { h2Frame, h2Preface, recordHttp2 } from './h2-record'
import {
  chunked,
  decodeWrites,
  gainsOf,
  host,
  packets,
  rngFor,
  splitRandomly,
  truthOf,
  withLength,
  type Packet,
} from './packets'

const webex = loadProfile('webex')

/** Where each stream's frames are in a recorded connection (walked from its preface). */
interface StreamAt {
  headers: number
  data: number
  body: Buffer
}

function streamsOf(bytes: Buffer): Map<number, StreamAt> {
  const out = new Map<number, StreamAt>()
  for (let o = h2Preface.length; o + 9 <= bytes.length;) {
    const length = bytes.readUIntBE(o, 3)
    const [type, id] = [bytes[o + 3], bytes.readUInt32BE(o + 5) & 0x7fffffff]
    if (type === 1 && !out.has(id)) out.set(id, { headers: o, data: -1, body: Buffer.alloc(0) })
    const s = out.get(id)
    if (type === 0 && s) {
      if (s.data < 0) s.data = o
      s.body = Buffer.concat([s.body, bytes.subarray(o + 9, o + 9 + length)])
    }
    o += 9 + length
  }
  return out
}

describe('HTTP/2 joined mid-connection: frame boundaries found again', () => {
  // Node's real client (nghttp2): HPACK with a dynamic table, 1 and 4 streams at a time, every third body gzip'd.
  const some = packets.slice(0, 60)
  const bodies = some.map((p, i) => (i % 3 === 0 ? gzipSync(p.body) : Buffer.from(p.body)))
  const recorded: { writes: Buffer[]; bytes: Buffer; streams: Map<number, StreamAt> }[] = []
  /** The packet each stream carried, found by its body. */
  const packetOf = (s: StreamAt): Packet => some[bodies.findIndex((b) => b.equals(s.body))]

  beforeAll(async () => {
    for (const concurrency of [1, 4]) {
      const writes = await recordHttp2(
        some.map((p, i) => ({
          path: p.requestLine.split(' ')[1],
          body: bodies[i],
          headers: { host, ...(i % 3 === 0 ? { 'content-encoding': 'gzip' } : {}) },
        })),
        concurrency,
      )
      const bytes = Buffer.concat(writes)
      recorded.push({ writes, bytes, streams: streamsOf(bytes) })
    }
  })

  /**
   * Cut at `cut`: every request whose DATA frame starts after the cut is decoded, exactly (the ones whose
   * HEADERS came before it with path null), nothing else; the only problems are HTTP/2 notes.
   */
  function expectCut(r: (typeof recorded)[number], cut: number, writes: Buffer[]) {
    const { records, problems } = decodeWrites(writes)
    const after = [...r.streams.values()].filter((s) => s.data >= cut).sort((a, b) => a.data - b.data)
    const byTime = (a: { ts: string }, b: { ts: string }) => a.ts.localeCompare(b.ts)
    expect(gainsOf(records).sort(byTime)).toEqual(truthOf(after.map(packetOf)).sort(byTime))
    const headless = new Set(after.filter((s) => s.headers < cut).map((s) => packetOf(s).ts))
    for (const rec of records)
      expect(rec.path).toBe(headless.has(new Date(rec.t).toISOString()) ? null : '/metric/v1')
    expect(problems.filter((p) => p.stage !== 'http2')).toEqual([])
    return problems
  }

  it('cut at every write boundary (where a hook installed between two writes starts)', () => {
    expect(recorded.map((r) => r.streams.size)).toEqual([some.length, some.length])
    for (const r of recorded) {
      let cut = 0
      for (let w = 0; w < r.writes.length; cut += r.writes[w++].length) expectCut(r, cut, r.writes.slice(w))
    }
  })

  it('cut at random offsets, the rest split into random writes', () => {
    const rng = rngFor('midstream')
    for (const r of recorded)
      for (let i = 0; i < 150; i++) {
        const cut = Math.floor(rng() * r.bytes.length)
        expectCut(r, cut, splitRandomly(r.bytes.subarray(cut), rng, 4000))
      }
  })

  it('says once that header fields referred to the table built before the capture', () => {
    const r = recorded[0]
    const cut = [...r.streams.values()][10].headers
    const problems = expectCut(r, cut, [r.bytes.subarray(cut)])
    expect(problems).toEqual([
      expect.objectContaining({
        stage: 'http2',
        message: expect.stringMatching(
          /header fields refer to the HPACK dynamic table built before the capture attached/,
        ),
      }),
    ])
  })

  it('bytes missing from the capture mid-frame: noticed, frames found again, later requests decoded', () => {
    const r = recorded[0]
    const streams = [...r.streams.values()]
    const [from, to] = [streams[20].data + 100, streams[30].headers - 50]
    const { records, problems } = decodeWrites([r.bytes.subarray(0, from), r.bytes.subarray(to)])
    // The stream cut by the gap takes bytes from after it: what it swallows is lost, nothing is made up.
    const truth = truthOf(some)
    for (const g of gainsOf(records)) expect(truth).toContainEqual(g)
    const sure = streams.filter((s) => s.data + 9 + s.body.length <= from || s.headers >= to + 20_000)
    for (const g of truthOf(sure.map(packetOf))) expect(gainsOf(records)).toContainEqual(g)
    expect(problems.map((p) => p.message)).toContainEqual(
      expect.stringMatching(/^frame header out of line .*; looking for the next frame boundary$/),
    )
  })

  it('control: the whole connection, from its preface on, gives every request and no problem', () => {
    for (const r of recorded) {
      const { records, problems } = decodeWrites(r.writes)
      expect(problems).toEqual([])
      expect(records.length).toBe(some.length)
    }
  })
})

describe('HPACK when the dynamic table was built before the capture', () => {
  // hpack.js's encoder indexes every field, :path included (as browsers do; nghttp2 never indexes :path).
  const p = packets[0]
  const encoder = hpack.compressor.create({ table: { maxSize: 4096 } })
  const block = (fields: [string, string][]) => {
    encoder.write(fields.map(([name, value]) => ({ name, value })))
    return encoder.read() ?? Buffer.alloc(0)
  }
  const request = (stream: number, extra: [string, string][], body: Buffer) =>
    Buffer.concat([
      h2Frame(
        1,
        0x4,
        stream,
        block([
          [':method', 'POST'],
          [':scheme', 'https'],
          [':authority', host],
          [':path', '/metric/v1'],
          ['content-type', 'application/json'],
          ...extra,
        ]),
      ),
      h2Frame(0, 0x1, stream, body),
    ])
  const before = Buffer.concat([
    h2Preface,
    h2Frame(4, 0, 0, Buffer.alloc(0)),
    request(1, [], Buffer.from(p.body)),
  ])
  const after = Buffer.concat([
    request(3, [['content-encoding', 'gzip']], gzipSync(packets[1].body)),
    request(5, [['x-added-after', 'yes']], Buffer.from(packets[2].body)),
    request(7, [['x-added-after', 'yes']], Buffer.from(packets[3].body)),
  ])

  it('from the preface on, every field is known', () => {
    const { records, problems } = decodeBytes(Buffer.concat([before, after]), webex)
    expect(problems).toEqual([])
    expect(gainsOf(records)).toEqual(truthOf(packets.slice(0, 4)))
    expect(records.every((r) => r.path === '/metric/v1' && r.host === host)).toBe(true)
  })

  it('joined after the first request: path and host unknown (null), the webex profile still matches by body', () => {
    const { records, problems } = decodeBytes(after, webex)
    // Content-Encoding gzip was added to the table by stream 3 itself: known, like x-added-after in stream 7.
    expect(gainsOf(records)).toEqual(truthOf(packets.slice(1, 4)))
    expect(records.map((r) => [r.path, r.host])).toEqual([
      [null, null],
      [null, null],
      [null, null],
    ])
    expect(problems).toEqual([
      expect.objectContaining({
        stage: 'http2',
        message:
          'stream 3: header fields refer to the HPACK dynamic table built before the capture attached and are unknown, the path among them (records get path null); not told again for this connection',
      }),
    ])
    const docs = decodeDocuments(after).documents
    expect(docs.map((d) => [d.method, d.target, d.headers['x-added-after']])).toEqual([
      ['POST', '', undefined],
      ['POST', '', 'yes'],
      ['POST', '', 'yes'],
    ])
  })

  it('an unknown Content-Encoding is recognised by gzip magic', () => {
    // Refers to the content-encoding entry stream 3 added, before this capture.
    const again = request(9, [['content-encoding', 'gzip']], gzipSync(packets[4].body))
    const { records } = decodeBytes(again, webex)
    expect(gainsOf(records)).toEqual(truthOf([packets[4]]))
  })

  it('a profile that matches by path and would take any body does not match an unknown path', () => {
    const leaves = compileProfile(
      { name: 'leaves-on-path', match: { path: '^/metric/' }, extract: { kind: 'numericLeaves' } },
      'test',
    )
    expect(decodeBytes(after, leaves).records).toEqual([])
    expect(decodeBytes(Buffer.concat([before, after]), leaves).records.length).toBe(4)
  })
})

describe('plaintext that is neither HTTP/1 nor HTTP/2 is reported, never passed over in silence', () => {
  // Bytes without a newline (no HTTP/1 line) or a zero byte (no frame header of 16 KiB or less).
  const binary = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => 0x80 + ((i * 37) % 127)))

  it('a short connection: reported when it closes', () => {
    const { records, problems } = decodeBytes(binary(5000), webex)
    expect(records).toEqual([])
    expect(problems).toEqual([
      expect.objectContaining({
        stage: 'http',
        message:
          '5000 bytes of outgoing plaintext were neither HTTP/1 nor HTTP/2; nothing on this connection was decoded',
      }),
    ])
  })

  it('HTTP/2 connections that sent no request yet, from the preface or joined, are not reported', () => {
    const settings = h2Frame(4, 0, 0, Buffer.alloc(6))
    const ping = h2Frame(6, 0, 0, Buffer.alloc(8))
    for (const bytes of [
      Buffer.concat([h2Preface, settings]),
      Buffer.concat([settings.subarray(4), ping, settings, ping]),
    ])
      expect(decodeBytes(bytes, webex)).toEqual({ records: [], problems: [] })
  })

  it('a long one: reported while it goes on, and requests after it are still found', () => {
    const d = new TelemetryDecoder(webex)
    const problems: DecodeProblem[] = []
    const records: TelemetryRecord[] = []
    d.on('problem', (p) => problems.push(p))
    d.on('record', (r) => records.push(r))
    for (let i = 0; i < 100; i++) d.push({ t: i, conn: 'x', dir: 'out', data: binary(4000) })
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^no HTTP\/1 request line and no HTTP\/2 frame headers in the first \d+ bytes/),
    ])
    d.push({
      t: 100,
      conn: 'x',
      dir: 'out',
      data: Buffer.concat([Buffer.from('\n'), withLength(packets[0])]),
    })
    d.end()
    expect(gainsOf(records)).toEqual(truthOf([packets[0]]))
  })

  it('HTTP/1 joined inside a gzip body is not taken for HTTP/2', () => {
    // Chunked, so that each request line starts a line of its own to resync on.
    const rng = rngFor('h1-gzip')
    const gz = (p: Packet) => chunked(p, rng, gzipSync(p.body), ['Content-Encoding: gzip'])
    const first = gz(packets[0])
    const bytes = Buffer.concat([first, ...packets.slice(1, 6).map(gz)])
    const head = first.indexOf('\r\n\r\n') + 4
    for (let i = 0; i < 50; i++) {
      const cut = head + Math.floor(rng() * (first.length - head))
      const { records, problems } = decodeWrites(splitRandomly(bytes.subarray(cut), rng))
      expect(gainsOf(records)).toEqual(truthOf(packets.slice(1, 6)))
      expect(problems.map((p) => p.stage)).toEqual(['http'])
    }
  })
})

/** A local HTTP/2 (TLS, ALPN h2) server keeping every request body, Content-Encoding undone. */
async function startH2Server(cert: { cert: string; key: string }) {
  const received: { path: string; body: Buffer }[] = []
  const sessions = new Set<http2.ServerHttp2Session>()
  const server = http2.createSecureServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) })
  server.on('session', (s) => {
    sessions.add(s)
    s.on('close', () => sessions.delete(s))
  })
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => {
      const body = Buffer.concat(chunks)
      received.push({
        path: String(headers[':path']),
        body: headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body,
      })
      stream.respond({ ':status': 204 }, { endStream: true })
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    async waitFor(n: number, timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`server got ${received.length} of ${n} requests`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy()
        server.close(() => r())
      }),
  }
}

type Levels = { audioMeanGain: number; audioMinGain: number; audioMaxGain: number }

/** A Webex-shaped body: the levels gzip'd, base64'd and nested in JSON. */
function webexBody(levels: Levels): string {
  const event = { event: { intervals: [{ audioTransmit: [{ levels }] }] } }
  const nested = gzipSync(JSON.stringify(event)).toString('base64')
  return JSON.stringify({ telemetrics: [{ ts: Date.now(), v: { gzipb64data: nested } }] })
}

/** The levels a request body carries, plain or Webex-shaped. */
function levelsOf(body: Buffer): Levels {
  const doc = JSON.parse(body.toString()) as Levels & { telemetrics?: { v: { gzipb64data: string } }[] }
  const { audioMeanGain, audioMinGain, audioMaxGain } = doc.telemetrics
    ? (JSON.parse(gunzipSync(Buffer.from(doc.telemetrics[0].v.gzipb64data, 'base64')).toString()).event
        .intervals[0].audioTransmit[0].levels as Levels)
    : doc
  return { audioMeanGain, audioMinGain, audioMaxGain }
}

/** The levels of decode's JSON lines: the fields whose path ends in each name (the generic profile's leaves). */
function levelsOfLines(stdout: string): Levels[] {
  const pick = (line: Record<string, unknown>, name: string) =>
    Object.entries(line).find(([k]) => k === name || k.endsWith(`.${name}`))?.[1] as number
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .map((line) => ({
      audioMeanGain: pick(line, 'audioMeanGain'),
      audioMinGain: pick(line, 'audioMinGain'),
      audioMaxGain: pick(line, 'audioMaxGain'),
    }))
}

describe('real HTTP/2 clients, captured from an attach after their connection opened', () => {
  let cert: ReturnType<typeof makeCert>
  let server: Awaited<ReturnType<typeof startH2Server>>
  const started: ChildProcess[] = []
  beforeAll(async () => {
    cert = makeCert()
    server = await startH2Server(cert)
  })
  afterEach(() => {
    for (const p of started.splice(0)) if (p.exitCode === null) p.kill('SIGKILL')
  })
  afterAll(() => server.close())

  /**
   * Attaches to the running client, lets it send `count` more requests, and decodes the raw captures with
   * the generic and webex profiles: every request sent after the attach is there, with its values.
   */
  async function attachAndDecode(client: ChildProcess, count: number) {
    started.push(client)
    // A few requests first: the connection is open and its HPACK table built before the attach.
    await server.waitFor(server.received.length + 3)
    const dataDir = tempDir()
    const raw = join(dataDir, 'raw.jsonl')
    const cap = startCapture(['--pid', String(client.pid), '--raw', raw], dataDir)
    await cap.attached()
    // Some may have been in flight while the hooks went in (one every 200 ms; more on a loaded machine).
    const from = server.received.length + 2
    await server.waitFor(from + count)
    expect(await cap.stop()).toBe(0)
    const sent = server.received.slice(from, from + count)
    const decode = (profile: string) =>
      runCli(['decode', raw, '--captures', '--profile', profile, '--json'], { dataDir })
    const generic = decode('generic')
    const webexOut = decode('webex')
    // Told, not silent: the headers that referred to the table built before the attach are unknown.
    expect(generic.stderr).toMatch(
      /note: .*http2: stream \d+: header fields refer to the HPACK dynamic table built before the capture attached/,
    )
    // A note about joining late is no failure: decode exits 0 when nothing was skipped.
    expect(generic.status, generic.stderr).toBe(0)
    const decoded = levelsOfLines(generic.stdout)
    expect(decoded.length).toBeGreaterThanOrEqual(sent.length)
    for (const r of sent) expect(decoded).toContainEqual(levelsOf(r.body))
    const webexSent = sent.filter((r) => r.path.startsWith('/metric/'))
    expect(webexSent.length).toBeGreaterThan(0)
    const webexDecoded = levelsOfLines(webexOut.stdout)
    for (const r of webexSent) expect(webexDecoded).toContainEqual(levelsOf(r.body))
    // The live decoder of the capture itself (webex profile) found them too.
    const live = cap.lines().filter((l) => 'fields' in l) as unknown as TelemetryRecord[]
    expect(live.length).toBeGreaterThanOrEqual(webexSent.length)
    return { webexLines: webexOut.stdout }
  }

  it("node's http2 client: plain, gzip'd and Webex-shaped bodies", async () => {
    const fixture = join(repoRoot, 'test', 'telemetry', 'fixtures', 'h2-client.cjs')
    const client = startProcess(process.execPath, [fixture, server.url, cert.cert, '200'])
    const { webexLines } = await attachAndDecode(client, 9)
    // nghttp2 never indexes :path, so the path is known even mid-connection.
    expect(webexLines).toMatch(/"path":"\/metric\/v1"/)
  })

  it('curl --http2 posting to many URLs over one connection', async () => {
    const levels = { audioMeanGain: -31.5, audioMinGain: -52.25, audioMaxGain: -12.75 }
    const urls = Array.from({ length: 150 }, (_, i) => `${server.url}/metric/v1?n=${i}`)
    const args = curlArgs(cert.cert, webexBody(levels), urls).map((a) => (a === '--http1.1' ? '--http2' : a))
    const curl = startProcess('curl', ['-H', 'content-type: application/json', ...args])
    await attachAndDecode(curl, 6)
  })
})
