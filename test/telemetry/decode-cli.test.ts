import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { runCli, tempDir } from '../support/helpers'
import { chunked, headerless, host, packets, rngFor, truthOf, withLength } from './packets'

const dataDir = tempDir('mutescope-decode-')
const jsonLines = (out: string) =>
  out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
const triples = (rs: Record<string, unknown>[]) =>
  rs.map((r) => ({ ts: r.ts, gains: [r.audioMaxGain, r.audioMeanGain, r.audioMinGain] }))

describe('mutescope decode', () => {
  it("decodes one connection's raw bytes from stdin into the webex JSON lines", () => {
    const some = packets.slice(0, 50)
    const r = runCli(['decode', '-', '--json'], {
      dataDir,
      input: Buffer.concat(some.map((p, i) => (i % 2 ? headerless(p) : withLength(p)))),
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const out = jsonLines(r.stdout)
    expect(Object.keys(out[0])).toEqual([
      'ts',
      'host',
      'path',
      'audioMaxGain',
      'audioMeanGain',
      'audioMinGain',
    ])
    expect(triples(out)).toEqual(truthOf(some))
    expect(out[0]).toMatchObject({ host, path: '/metric/v1' })
    expect(out[1]).toMatchObject({ host: null, path: '/metric/v1' })
  })

  it('decodes interleaved capture lines of many connections from a file; bad parts go to stderr, exit 1', () => {
    const rng = rngFor('cli')
    const lines: string[] = []
    const line = (conn: string, dir: string, data: Buffer) =>
      JSON.stringify({
        t: lines.length,
        conn,
        fn: 'SSL_write',
        module: 'libssl.so.3',
        dir,
        peer: '10.0.0.1:443',
        data: data.toString('base64'),
      })
    const a = chunked(packets[0], rng)
    const b = withLength(packets[1], gzipSync(packets[1].body), ['Content-Encoding: gzip'])
    lines.push(
      line('a', 'out', a.subarray(0, 100)),
      line('b', 'out', b.subarray(0, 50)),
      line('b', 'in', Buffer.from('HTTP/1.1 100 Continue\r\n\r\n')),
    )
    lines.push(
      '{"t": 1, "conn": "x"}',
      line('a', 'out', a.subarray(100)),
      line('b', 'out', b.subarray(50)),
      line('c', 'out', Buffer.from('\x00\x01binary\r\n')),
    )
    const file = join(dataDir, 'captures.jsonl')
    writeFileSync(file, lines.join('\n') + '\n')
    const r = runCli(['decode', file, '--captures', '--json'], { dataDir })
    expect(triples(jsonLines(r.stdout))).toEqual(truthOf([packets[0], packets[1]]))
    expect(r.stderr).toMatch(/line 4: not a capture/)
    expect(r.stderr).toMatch(/connection c: http: expected a request line/)
    expect(r.stderr).toMatch(/2 malformed part\(s\) skipped/)
    expect(r.status).toBe(1)
  })

  it('takes a profile by path and the generic profile', () => {
    const file = join(dataDir, 'gains.json')
    writeFileSync(
      file,
      JSON.stringify({
        name: 'gains-only',
        extract: {
          kind: 'records',
          each: ['telemetrics[*].v.gzipb64data.event.intervals[*].audioTransmit[*].levels'],
          fields: { max: 'audioMaxGain' },
        },
      }),
    )
    const input = headerless(packets[0])
    const byPath = runCli(['decode', '-', '--profile', file, '--json'], { dataDir, input })
    expect(jsonLines(byPath.stdout).map((l) => l.max)).toEqual([packets[0].truth[0][0]])
    const generic = runCli(['decode', '-', '--profile', 'generic', '--json'], { dataDir, input })
    const leaf = 'telemetrics[0].v.gzipb64data.event.intervals[0].audioTransmit[0].levels.audioMinGain'
    expect(jsonLines(generic.stdout)[0][leaf]).toBe(packets[0].truth[0][2])
  })

  it('fails clearly on a missing file or an unknown profile', () => {
    const missing = runCli(['decode', join(dataDir, 'nope'), '--json'], { dataDir })
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/cannot read .*nope: no such file/)
    const profile = runCli(['decode', '-', '--profile', 'zoom', '--json'], { dataDir, input: '' })
    expect(profile.status).toBe(1)
    expect(profile.stderr).toMatch(/no profile "zoom": use one of generic, webex/)
  })

  it('matches a hostile profile path pattern in linear time, with the right answer', () => {
    // ^/(a+)+$ against "/" + 40 × "a" + "!" backtracks 2^40 times in JavaScript's engine; RE2 does not.
    const profile = join(dataDir, 'redos.json')
    writeFileSync(
      profile,
      JSON.stringify({ name: 'redos', match: { path: '^/(a+)+$' }, extract: { kind: 'numericLeaves' } }),
    )
    const request = (target: string, body: string) =>
      `POST ${target} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`
    const hostile = '/' + 'a'.repeat(40) + '!'
    expect(hostile).toHaveLength(42)
    const r = runCli(['decode', '-', '--profile', profile, '--json'], {
      dataDir,
      input: request(hostile, '{"missed":1}') + request('/' + 'a'.repeat(41), '{"kept":2}'),
      timeoutMs: 60_000,
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(jsonLines(r.stdout).map(({ ts: _ts, ...rest }) => rest)).toEqual([
      { host: null, path: '/' + 'a'.repeat(41), kept: 2 },
    ])
  })

  it('refuses a device, a FIFO, a folder or an oversized file as profile or input before reading it', () => {
    const fifo = join(dataDir, 'fifo')
    spawnSync('mkfifo', [fifo])
    const big = join(dataDir, 'big.json')
    writeFileSync(big, ' '.repeat(1024 * 1024 + 1))
    const cases: [string[], RegExp][] = [
      [['--profile', '/dev/zero'], /cannot read profile \/dev\/zero: it is a device, not a regular file/],
      [['--profile', fifo], /cannot read profile .*fifo: it is a FIFO \(named pipe\), not a regular file/],
      [['--profile', big], /cannot read profile .*big\.json: it is 1048577 bytes, more than the 1048576/],
      [['/dev/zero'], /cannot read capture file \/dev\/zero: it is a device, not a regular file/],
      [[fifo], /cannot read capture file .*fifo: it is a FIFO/],
      [[dataDir], /cannot read capture file .*: it is a folder, not a regular file/],
    ]
    for (const [args, message] of cases) {
      const r = runCli(['decode', ...args], { dataDir, input: '', timeoutMs: 20_000 })
      expect(r.status, args.join(' ')).toBe(1)
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
  })
})
