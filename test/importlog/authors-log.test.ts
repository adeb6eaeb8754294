import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { decodeBytes, loadProfile } from '../../src/core/telemetry'
import { runCli, referenceData, tempDir } from '../support/helpers'
import { decodeWrites, gainsOf, packets, rngFor, splitRandomly, truthOf } from '../telemetry/packets'

/** The authors' x64dbg log (../shared/data/README.md), from github.com/wi-pi/VCAMuteButton_PoPETS. */
const logFile = join(referenceData, 'authors-artifact', 'datasets', 'data_example2', 'example_xdbg_log.txt')
const truth = truthOf(packets)

/** A request as the authors' log holds it: the request line, the JSON body on the same line, no headers. */
const authorsForm = (p: (typeof packets)[number]) => Buffer.from(`${p.requestLine}${p.body}\n`)

type Triple = { ts: string; gains: number[] }

/**
 * What the log holds, found without MuteScope's parser: each request line directly followed by "{", its body
 * taken up to the first line that is a lone "}" and kept if it is JSON whose gzip'ed inner document parses.
 */
function oracle(): Triple[] {
  const text = readFileSync(logFile, 'latin1')
  const out: Triple[] = []
  for (const m of text.matchAll(/POST \S+ HTTP\/1\.1\{/g)) {
    const start = m.index + m[0].length - 1
    const end = text.indexOf('\n}', start)
    try {
      const body = JSON.parse(text.slice(start, end + 2)) as {
        telemetrics: { ts: string; v: { gzipb64data: string } }[]
      }
      for (const t of body.telemetrics) {
        const inner = JSON.parse(gunzipSync(Buffer.from(t.v.gzipb64data, 'base64')).toString()) as {
          event: { intervals: { audioTransmit: { levels: Record<string, number> }[] }[] }
        }
        for (const i of inner.event.intervals)
          for (const a of i.audioTransmit)
            out.push({
              ts: t.ts,
              gains: [a.levels.audioMaxGain, a.levels.audioMeanGain, a.levels.audioMinGain],
            })
      }
    } catch {
      // Truncated in the log: not JSON.
    }
  }
  return out
}

describe("the authors' logged plaintext (request line and JSON body on one line, no headers)", () => {
  it('decodes all 1,238 packets in that form to their exact gain triples, in order', () => {
    const { records, problems } = decodeBytes(Buffer.concat(packets.map(authorsForm)), loadProfile('webex'))
    expect(problems).toEqual([])
    expect(gainsOf(records)).toEqual(truth)
  })

  it('decodes them in that form when the request line and the body are split across writes', () => {
    const rng = rngFor('authors-form')
    const { records, problems } = decodeWrites(
      splitRandomly(Buffer.concat(packets.map(authorsForm)), rng, 200),
    )
    expect(problems).toEqual([])
    expect(gainsOf(records)).toEqual(truth)
  })

  it('`mutescope decode` reads a file of them and prints the triples in order', () => {
    const dir = tempDir('mutescope-authors-')
    const file = join(dir, 'authors-form.txt')
    writeFileSync(file, Buffer.concat(packets.map(authorsForm)))
    const r = runCli(['decode', file, '--json'], { dataDir: dir })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number | string>)
    expect(out.map((o) => ({ ts: o.ts, gains: [o.audioMaxGain, o.audioMeanGain, o.audioMinGain] }))).toEqual(
      truth,
    )
  })

  it('the oracle finds exactly the reference triples', () => {
    expect(oracle()).toEqual(truth)
  })

  it('`decode` of the x64dbg log itself finds every complete request, reporting the debugger output it skips', () => {
    const { records, problems } = decodeBytes(readFileSync(logFile), loadProfile('webex'))
    expect(gainsOf(records)).toEqual(oracle())
    expect(problems.length).toBeGreaterThan(0)
    expect(problems.every((p) => p.stage === 'http')).toBe(true)
  })
})

describe('mutescope import-log', () => {
  it("--format x64dbg turns the authors' log into a session whose records are the reference truth", () => {
    const dataDir = tempDir('mutescope-importlog-')
    const r = runCli(['import-log', logFile, '--format', 'x64dbg', '--json'], { dataDir })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const summary = JSON.parse(r.stdout) as Record<string, number>
    // 1,384 request lines: 1,238 complete, 146 that the log cut short (README: "145 more", one line holds two).
    expect(summary).toMatchObject({ requests: 1238, records: 1238, truncated: 146, problems: 0 })
    const store = SessionStore.open({ dir: dataDir })
    try {
      const session = store.getSession(summary.sessionId)
      expect(session).toMatchObject({ status: 'completed', profile: 'webex', intervalS: 60 })
      const records = gainsOf(store.telemetry(session.id))
      expect(records).toEqual(oracle())
      expect(records).toEqual(truth)
      expect(session.startedAt).toBe(Date.parse(truth[0].ts))
      expect(store.count('captures', session.id)).toBe(1384)
    } finally {
      store.close()
    }
  })

  it('--format raw and --format apimonitor read the same requests as bytes and as hex dumps', () => {
    const dataDir = tempDir('mutescope-importlog-')
    const some = packets.slice(0, 40)
    const bytes = Buffer.concat(some.map(authorsForm))
    const raw = join(dataDir, 'raw.bin')
    writeFileSync(raw, bytes)
    const dump = join(dataDir, 'apimonitor.txt')
    writeFileSync(dump, apiMonitorDump(some.map(authorsForm)))
    for (const [file, format] of [
      [raw, 'raw'],
      [dump, 'apimonitor'],
    ]) {
      const r = runCli(['import-log', file, '--format', format, '--json'], { dataDir })
      expect(r.stderr).toBe('')
      const { sessionId, problems } = JSON.parse(r.stdout) as Record<string, number>
      expect(problems).toBe(0)
      const store = SessionStore.open({ dir: dataDir })
      try {
        expect(gainsOf(store.telemetry(sessionId))).toEqual(truthOf(some))
      } finally {
        store.close()
      }
    }
  })

  it('refuses an unknown format and a log without telemetry, creating no session', () => {
    const dataDir = tempDir('mutescope-importlog-')
    const empty = join(dataDir, 'empty.log')
    writeFileSync(empty, 'Thread 1DFC created, Entry: 73A98530\n')
    const bad = runCli(['import-log', empty, '--format', 'wireshark'], { dataDir })
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/--format must be one of apimonitor, x64dbg, raw/)
    const none = runCli(['import-log', empty, '--format', 'x64dbg'], { dataDir })
    expect(none.status).toBe(1)
    expect(none.stderr).toMatch(/holds no telemetry the "webex" profile extracts.*check --format/)
    const list = runCli(['sessions', 'list', '--json'], { dataDir })
    expect(JSON.parse(list.stdout)).toEqual([])
  })
})

/**
 * The buffers as API Monitor's Hex Buffer pane writes them (offset, 16 bytes in hex, ASCII), each after a
 * line naming the monitored call, split into TLS-record-sized buffers as EncryptMessage sees them.
 */
function apiMonitorDump(requests: Buffer[]): string {
  const lines: string[] = []
  let call = 1
  for (const bytes of requests)
    for (let at = 0; at < bytes.length; at += 1500) {
      const buffer = bytes.subarray(at, at + 1500)
      lines.push(`#${call++}\t10:23:45.123 AM\t1\tatmgr.exe\tEncryptMessage ( 0x0a1b2c3d, 0, 0x0e4f5a6b, 0 )`)
      for (let o = 0; o < buffer.length; o += 16) {
        const row = buffer.subarray(o, o + 16)
        const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ')
        const ascii = row.toString('latin1').replace(/[^\x20-\x7e]/g, '.')
        lines.push(`${o.toString(16).padStart(4, '0')}  ${hex.padEnd(48)}  ${ascii}`)
      }
    }
  return lines.join('\r\n') + '\r\n'
}
