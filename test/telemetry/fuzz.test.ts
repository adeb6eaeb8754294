import { spawnSync } from 'node:child_process'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBytes, loadProfile, TelemetryDecoder, type DecodeProblem } from '../../src/core/telemetry'
import { repoRoot } from '../support/helpers'
import { h2Frame, h2Preface } from './h2-record'
import { chunked, headerless, packets, rngFor, withLength } from './packets'

const profiles = [loadProfile('webex'), loadProfile('generic')]

/** Feeds the writes to a decoder of each profile; any throw fails the property. Returns the problems. */
function feed(writes: Uint8Array[]): DecodeProblem[] {
  const problems: DecodeProblem[] = []
  for (const profile of profiles) {
    const d = new TelemetryDecoder(profile)
    d.on('problem', (p) => problems.push(p))
    writes.forEach((data, i) => d.push({ t: i, conn: String(i % 2), dir: 'out', data }))
    d.end()
  }
  return problems
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let prev = 0
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p))
    prev = p
  }
  return out
}

const framed = fc.tuple(fc.nat(packets.length - 1), fc.nat(3)).map(([i, f]) => {
  const p = packets[i]
  return [
    headerless(p),
    withLength(p),
    chunked(p, rngFor(String(i))),
    withLength(p, gzipSync(p.body), ['Content-Encoding: gzip']),
  ][f]
})

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({
    kind: fc.constant('length' as const),
    value: fc.oneof(fc.bigInt(0n, 10n ** 20n), fc.constant(-1n)),
  }),
)

function mutate(bytes: Buffer, m: typeof mutation extends fc.Arbitrary<infer T> ? T : never): Buffer {
  switch (m.kind) {
    case 'truncate':
      return bytes.subarray(0, m.at % (bytes.length + 1))
    case 'flip': {
      const out = Buffer.from(bytes)
      out[m.at % out.length] ^= 1 << m.bit
      return out
    }
    case 'insert': {
      const at = m.at % (bytes.length + 1)
      return Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)])
    }
    case 'length':
      return Buffer.from(
        bytes.toString('latin1').replace(/Content-Length: \d+/, `Content-Length: ${m.value}`),
        'latin1',
      )
  }
}

describe('hostile input never throws, never hangs, stays bounded', () => {
  it('random bytes in random writes, as HTTP/1 and after an HTTP/2 preface', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4000 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        (bytes, cuts, h2) => {
          feed(splitAt(Buffer.concat([h2 ? h2Preface : Buffer.alloc(0), bytes]), cuts))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('random text made of HTTP and JSON pieces', () => {
    const piece = fc.constantFrom(
      'POST /metric/v1 HTTP/1.1\r\n',
      'Content-Length: 5\r\n',
      'Transfer-Encoding: chunked\r\n',
      'Content-Encoding: gzip\r\n',
      '\r\n',
      '{"telemetrics":[{"ts":1,"v":{"gzipb64data":"H4sI"}}]}',
      '[[[{',
      '"\\"',
      'ffffffff\r\n',
      'HTTP/1.1 200 OK\r\n',
    )
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (pieces, cuts) => {
          feed(splitAt(Buffer.from(pieces.join('')), cuts))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('real packets truncated, bit-flipped, with bytes inserted or absurd Content-Lengths, then a good one', () => {
    const good = withLength(packets[0])
    const wanted = profiles.map((p) => decodeBytes(good, p).records.map((r) => r.fields))
    expect(wanted.every((w) => w.length > 0)).toBe(true)
    fc.assert(
      fc.property(framed, mutation, fc.array(fc.nat(), { maxLength: 8 }), (bytes, m, cuts) => {
        feed(splitAt(Buffer.concat([mutate(bytes, m), Buffer.from('\r\n'), good]), cuts))
        // The hostile bytes may swallow a good packet that follows on their connection (a longer
        // Content-Length says so), but they must not harm the decoder: a good packet decodes on another
        // connection meanwhile, and on theirs once it closed and its id is used again.
        profiles.forEach((profile, i) => {
          const d = new TelemetryDecoder(profile)
          const fields: Record<string, unknown>[] = []
          d.on('record', (r) => r.conn === 'good' && fields.push(r.fields))
          const hostile = splitAt(mutate(bytes, m), cuts)
          const fine = splitAt(good, cuts)
          for (let w = 0; w < Math.max(hostile.length, fine.length); w++) {
            if (w < hostile.length) d.push({ t: 0, conn: 'bad', dir: 'out', data: hostile[w] })
            if (w < fine.length) d.push({ t: 1, conn: 'good', dir: 'out', data: fine[w] })
          }
          d.close('bad')
          d.on('record', (r) => r.conn === 'bad' && fields.push(r.fields))
          d.push({ t: 2, conn: 'bad', dir: 'out', data: good })
          d.end()
          expect(fields).toEqual([...wanted[i], ...wanted[i]])
        })
      }),
      { numRuns: 200 },
    )
  })

  it('deeply nested JSON is reported and skipped, not recursed into', () => {
    // 200,000 levels are refused before parsing; 1,000 after it, by the walk over the parsed value.
    const deep = '['.repeat(200_000) + ']'.repeat(200_000)
    const lessDeep = '['.repeat(1000) + ']'.repeat(1000)
    const nestedDeep = JSON.stringify({ a: Buffer.from(gzipSync(deep)).toString('base64') })
    for (const bytes of [
      Buffer.from(`POST /x HTTP/1.1\n${deep}\n`),
      Buffer.from(`POST /x HTTP/1.1\n${lessDeep}\n`),
      withLength({ ...packets[0], requestLine: 'POST /metric/v1 HTTP/1.1' }, Buffer.from(deep)),
      withLength({ ...packets[0], requestLine: 'POST /metric/v1 HTTP/1.1' }, Buffer.from(nestedDeep)),
    ]) {
      const problems = feed([bytes])
      expect(problems.length).toBeGreaterThan(0)
      expect(problems.filter((p) => p.stage !== 'limit')).toEqual([])
    }
  })

  it('huge declared lengths are skipped without being buffered', () => {
    const p = packets[0]
    const huge = Buffer.from(`${p.requestLine}\r\nContent-Length: 999999999999999\r\n\r\n${p.body}`)
    const chunk = Buffer.from(
      `${p.requestLine}\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n${p.body}`,
    )
    for (const bytes of [huge, chunk]) expect(feed([bytes]).map((x) => x.stage)).toContain('limit')
  })

  it('HTTP/2 streams left open cannot buffer more than the body limit between them', () => {
    // Static-table fields only: :method POST, :path /, :scheme http.
    const headers = (stream: number) => h2Frame(1, 0x4, stream, Buffer.from([0x83, 0x84, 0x86]))
    const data = (stream: number) => h2Frame(0, 0, stream, Buffer.alloc(40_000, 0x20))
    const streams = [1, 3, 5, 7]
    const bytes = Buffer.concat([
      h2Preface,
      h2Frame(4, 0, 0, Buffer.alloc(0)),
      ...streams.map(headers),
      ...streams.map(data),
    ])
    const d = new TelemetryDecoder(profiles[1], { maxBodyBytes: 100_000 })
    const problems: DecodeProblem[] = []
    d.on('problem', (p) => problems.push(p))
    d.push({ t: 0, conn: 'h2', dir: 'out', data: bytes })
    expect(problems.map((p) => p.message.split(':')[0])).toEqual(['stream 5', 'stream 7'])
    expect(problems.every((p) => p.stage === 'limit')).toBe(true)
  })

  it('an endless headerless body is cut at the body limit, and decoding goes on after it', () => {
    const d = new TelemetryDecoder(profiles[0], { maxBodyBytes: 1 << 20 })
    const problems: DecodeProblem[] = []
    let records = 0
    d.on('problem', (p) => problems.push(p))
    d.on('record', () => records++)
    d.push({ t: 0, conn: 'c', dir: 'out', data: Buffer.from('POST /metric/v1 HTTP/1.1\n') })
    const block = Buffer.alloc(64 * 1024, '[')
    for (let i = 0; i < 64; i++) d.push({ t: 0, conn: 'c', dir: 'out', data: block })
    d.push({
      t: 0,
      conn: 'c',
      dir: 'out',
      data: Buffer.concat([Buffer.from('\r\n'), headerless(packets[0])]),
    })
    expect(problems.map((p) => p.stage)).toEqual(['limit'])
    expect(records).toBe(1)
  })

  it('a 1 GiB gzip bomb (as Content-Encoding and nested in base64) is stopped within a memory bound', () => {
    // A child process, so its peak RSS measures only this decode.
    const script = `
      const { gzipSync } = require('node:zlib')
      const { decodeBytes, loadProfile } = require('./src/core/telemetry')
      const member = gzipSync(Buffer.alloc(1 << 20))
      const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member)) // 1 GiB of zeros
      const head = (n, extra) => 'POST /metric/v1 HTTP/1.1\\r\\nContent-Type: application/json\\r\\n' + extra + 'Content-Length: ' + n + '\\r\\n\\r\\n'
      const nested = Buffer.from(JSON.stringify({ telemetrics: [{ ts: 1, v: { gzipb64data: bomb.toString('base64') } }] }))
      const input = Buffer.concat([Buffer.from(head(bomb.length, 'Content-Encoding: gzip\\r\\n')), bomb, Buffer.from(head(nested.length, '')), nested])
      const before = process.resourceUsage().maxRSS
      const out = decodeBytes(input, loadProfile('webex'))
      console.log(JSON.stringify({ stages: out.problems.map((p) => p.stage), records: out.records.length, before, after: process.resourceUsage().maxRSS }))
    `
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout) as { stages: string[]; records: number; before: number; after: number }
    expect(out.records).toBe(0)
    expect(out.stages).toEqual(['limit', 'limit'])
    // maxRSS is in KiB: the decode may add its 32 MiB output cap and copies, never the bomb's 1 GiB.
    expect((out.after - out.before) / 1024).toBeLessThan(200)
  })
})

describe('decodeBytes', () => {
  it('is the same as the streaming decoder on one write', () => {
    const bytes = withLength(packets[0])
    expect(decodeBytes(bytes, profiles[0]).records.length).toBe(1)
  })
})
