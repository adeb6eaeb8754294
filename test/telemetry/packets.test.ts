import { brotliCompressSync, constants, deflateRawSync, deflateSync, gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodeBytes, loadProfile, TelemetryDecoder } from '../../src/core/telemetry'
import type { DecodeProblem } from '../../src/core/telemetry'
import type { TelemetryRecord } from '../../src/shared/model'
import { recordHttp2 } from './h2-record'
import {
  chunked,
  decodeWrites,
  gainsOf,
  headerless,
  host,
  packets,
  rngFor,
  splitRandomly,
  truthOf,
  withLength,
  type Packet,
} from './packets'

const webex = loadProfile('webex')
const truth = truthOf(packets)

function stream(frame: (p: Packet, i: number) => Buffer): Buffer {
  return Buffer.concat(packets.map(frame))
}

/** Brotli's default (quality 11) is slow to compress; the decoder does not care. */
const br = (b: Buffer | string) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })

describe('all 1,238 real Webex packets decode to their truth triples, in order', () => {
  it('has the reference data', () => {
    // Every complete request of the authors' log (test/reference/data-fetch.test.ts checks the derivation).
    expect(packets.length).toBe(1238)
    expect(truth.length).toBeGreaterThanOrEqual(1238)
  })

  it('as headerless bodies (request line, then the JSON, as in the authors log)', () => {
    const { records, problems } = decodeBytes(stream(headerless), webex)
    expect(problems).toEqual([])
    expect(gainsOf(records)).toEqual(truth)
    expect(records[0]).toMatchObject({ host: null, path: '/metric/v1' })
  })

  it('as full HTTP/1.1 requests with Content-Length, keep-alive and pipelined in one write', () => {
    const { records, problems } = decodeBytes(
      stream((p) => withLength(p)),
      webex,
    )
    expect(problems).toEqual([])
    expect(gainsOf(records)).toEqual(truth)
    expect(records.every((r) => r.host === host && r.path === '/metric/v1')).toBe(true)
  })

  it('chunked, with random chunk sizes and extensions', () => {
    const rng = rngFor('chunked')
    const { records, problems } = decodeBytes(
      stream((p) => chunked(p, rng)),
      webex,
    )
    expect(problems).toEqual([])
    expect(gainsOf(records)).toEqual(truth)
  })

  it('gzip-encoded (Content-Encoding), with Content-Length and chunked', () => {
    const rng = rngFor('gzip')
    const bytes = stream((p, i) => {
      const body = gzipSync(p.body)
      return i % 2
        ? withLength(p, body, ['Content-Encoding: gzip'])
        : chunked(p, rng, body, ['Content-Encoding: gzip'])
    })
    const { records, problems } = decodeBytes(bytes, webex)
    expect(problems).toEqual([])
    expect(gainsOf(records)).toEqual(truth)
  })

  it('gzip as a transfer coding under chunked', () => {
    const rng = rngFor('te')
    const bytes = stream((p) =>
      Buffer.from(
        chunked(p, rng, gzipSync(p.body))
          .toString('latin1')
          .replace('Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked'),
        'latin1',
      ),
    )
    const { records, problems } = decodeBytes(bytes, webex)
    expect(problems).toEqual([])
    expect(gainsOf(records)).toEqual(truth)
  })

  it('deflate (zlib and raw) and br encoded', () => {
    const bytes = stream((p, i) => {
      const [enc, body] = [
        ['deflate', deflateSync(p.body)],
        ['deflate', deflateRawSync(p.body)],
        ['br', br(p.body)],
        ['gzip, br', br(gzipSync(p.body))],
      ][i % 4] as [string, Buffer]
      return withLength(p, body, [`Content-Encoding: ${enc}`])
    })
    const { records, problems } = decodeBytes(bytes, webex)
    expect(problems).toEqual([])
    expect(gainsOf(records)).toEqual(truth)
  })

  it('split into random write sizes, every framing mixed', () => {
    for (const seed of ['split-1', 'split-2', 'split-3']) {
      const rng = rngFor(seed)
      const bytes = stream(
        (p, i) =>
          [
            headerless(p),
            withLength(p),
            chunked(p, rng),
            withLength(p, gzipSync(p.body), ['Content-Encoding: gzip']),
          ][i % 4],
      )
      const { records, problems } = decodeWrites(splitRandomly(bytes, rng, seed === 'split-1' ? 8 : 3000))
      expect(problems).toEqual([])
      expect(gainsOf(records)).toEqual(truth)
    }
  })

  it('interleaved across connections, with responses inbound on the same connections', () => {
    const rng = rngFor('interleave')
    const conns = ['a', 'b', 'c', 'd', 'e']
    const queues = conns.map((_, c) =>
      splitRandomly(
        Buffer.concat(
          packets
            .filter((_p, i) => i % conns.length === c)
            .map((p) => (c % 2 ? withLength(p) : headerless(p))),
        ),
        rng,
      ),
    )
    const d = new TelemetryDecoder(webex)
    const byConn = new Map<string, TelemetryRecord[]>(conns.map((c) => [c, []]))
    const problems: DecodeProblem[] = []
    d.on('record', (r) => byConn.get(r.conn!)!.push(r))
    d.on('problem', (p) => problems.push(p))
    const response = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nPOST / HTTP/1')
    for (let t = 0; queues.some((q) => q.length > 0); t++) {
      const c = Math.floor(rng() * conns.length)
      const data = queues[c].shift()
      if (data) d.push({ t, conn: conns[c], dir: 'out', data })
      if (rng() < 0.3) d.push({ t, conn: conns[c], dir: 'in', data: response })
    }
    d.end()
    expect(problems).toEqual([])
    conns.forEach((c, i) =>
      expect(gainsOf(byConn.get(c)!)).toEqual(truthOf(packets.filter((_p, j) => j % conns.length === i))),
    )
  })

  it("as HTTP/2 requests from node's real client (HPACK dynamic table, interleaved streams), split randomly", async () => {
    const writes = await recordHttp2(
      packets.map((p, i) => ({
        path: p.requestLine.split(' ')[1],
        body: i % 3 === 0 ? gzipSync(p.body) : Buffer.from(p.body),
        headers: { host, ...(i % 3 === 0 ? { 'content-encoding': 'gzip' } : {}) },
      })),
      6,
    )
    const { records, problems } = decodeWrites(splitRandomly(Buffer.concat(writes), rngFor('h2')))
    expect(problems).toEqual([])
    // Streams sent concurrently complete in any order; each packet's ts is unique.
    const byTime = (a: { ts: string }, b: { ts: string }) => a.ts.localeCompare(b.ts)
    expect(gainsOf(records).sort(byTime)).toEqual([...truth].sort(byTime))
    expect(records.every((r) => r.host === host && r.path === '/metric/v1')).toBe(true)
  })
})

describe('bodies and framing', () => {
  const p = packets[0]
  const expected = truthOf([p])

  it('NDJSON and form bodies', () => {
    const nd = withLength(
      { ...p },
      Buffer.from(`${JSON.stringify(JSON.parse(p.body))}\n${JSON.stringify(JSON.parse(packets[1].body))}\n`),
      [],
    )
      .toString()
      .replace('application/json', 'application/x-ndjson')
    expect(gainsOf(decodeBytes(Buffer.from(nd), webex).records)).toEqual(truthOf([p, packets[1]]))
    const form = withLength(
      p,
      Buffer.from(`telemetrics=${encodeURIComponent(JSON.stringify(JSON.parse(p.body).telemetrics))}&x=1`),
    )
      .toString()
      .replace('application/json', 'application/x-www-form-urlencoded')
    expect(gainsOf(decodeBytes(Buffer.from(form), webex).records)).toEqual(expected)
  })

  it('nested base64url, zlib and raw deflate inside the body', () => {
    const inner = JSON.parse(p.body) as { telemetrics: { v: { gzipb64data: string } }[] }
    const doc = Buffer.from(inner.telemetrics[0].v.gzipb64data, 'base64')
    const plain = gunzipSync(doc)
    for (const encoded of [
      doc.toString('base64url'),
      deflateSync(plain).toString('base64'),
      deflateRawSync(plain).toString('base64'),
      Buffer.from(gzipSync(Buffer.from(gzipSync(plain).toString('base64')))).toString('base64'),
    ]) {
      inner.telemetrics[0].v.gzipb64data = encoded
      const { records, problems } = decodeBytes(headerless({ ...p, body: JSON.stringify(inner) }), webex)
      expect(problems).toEqual([])
      expect(gainsOf(records)).toEqual(expected)
    }
  })

  it('reports malformed parts on the way and still decodes the rest', () => {
    const bytes = Buffer.concat([
      Buffer.from('\x16\x03\x01garbage that is no request\r\n'),
      withLength(p),
      Buffer.from(`${p.requestLine}\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`),
      headerless(packets[1]),
      withLength(
        packets[2],
        Buffer.from('{"telemetrics":[{"ts":"x","v":{"gzipb64data":"H4sIAAAAAAAAA6uuBQBDv6ajAgAAAA=="}}]'),
      ),
      withLength(packets[3], Buffer.from(p.body.replace(/"gzipb64data" : "H4sI/, '"gzipb64data" : "H4sI!'))),
      withLength(packets[4]),
    ])
    const { records, problems } = decodeBytes(bytes, webex)
    expect(gainsOf(records)).toEqual(truthOf([p, packets[1], packets[4]]))
    expect(problems.map((x) => x.stage)).toEqual(['http', 'chunked', 'json'])
  })

  it('a response in the outbound direction is parsed and skipped, not taken for a request', () => {
    const resp = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${headerless(p).length}\r\n\r\n`)
    const { records, problems } = decodeBytes(
      Buffer.concat([resp, headerless(p), withLength(packets[1])]),
      webex,
    )
    expect(problems).toEqual([])
    expect(gainsOf(records)).toEqual(truthOf([packets[1]]))
  })

  it('a WebSocket upgrade turns the rest of the connection into frames that are not parsed as HTTP', () => {
    const ws = Buffer.from(
      'GET /socket HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    )
    const frames = Buffer.from([0x81, 0x85, 1, 2, 3, 4, 0x49, 0x67, 0x6f, 0x68, 0x6e, 0x0d, 0x0a])
    const { records, problems } = decodeBytes(Buffer.concat([ws, frames, withLength(p)]), webex)
    expect(problems).toEqual([])
    expect(records).toEqual([])
  })

  it('requests the profile does not match are ignored', () => {
    const other = { ...p, requestLine: 'POST /other HTTP/1.1' }
    expect(decodeBytes(withLength(other), webex).records).toEqual([])
  })
})
