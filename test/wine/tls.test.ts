import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CaptureLine } from '../../src/shared/model'
import { tempDir } from '../support/helpers'
import { makeCert, outbound, startCapture, startHttpsServer, type Received } from '../capture/tls-lab'
import {
  buildProgram,
  expectDecoded,
  startWine,
  winePrefix,
  windowsPath,
  type WinePrefix,
  type WineProgram,
} from './wine-lab'

/**
 * MuteScope's Windows TLS hooks on real Windows code: programs built with mingw-w64 call WinHTTP, Schannel
 * (through SSPI) and CNG under Wine, whose Windows DLLs Frida does not list; MuteScope finds them in memory
 * and hooks them as on Windows. Wine's Schannel encrypts with the host's GnuTLS, which is hooked too: its
 * copy of the same bytes must not count twice.
 */

let prefix: WinePrefix
let cert: ReturnType<typeof makeCert>
let server: Awaited<ReturnType<typeof startHttpsServer>>
const programs: WineProgram[] = []

beforeAll(async () => {
  prefix = winePrefix()
  cert = makeCert()
  server = await startHttpsServer(cert)
}, 900_000)

afterAll(async () => {
  for (const p of programs) await p.stop()
  prefix?.close()
  await server?.close()
})

const text = (c: CaptureLine) => Buffer.from(c.data, 'base64').toString('latin1')
const seqOf = (body: string) => (JSON.parse(body) as { seq: number }).seq

/**
 * The requests the server got from `marker` that the capture window spans: from the first whose body was
 * captured to the last (the program keeps posting while the hooks go in and while the capture ends).
 */
function spanned(marker: string, out: CaptureLine[]): Received[] {
  const mine = server.received.filter((r) => r.body.toString().includes(`"marker":"${marker}"`))
  const seen = mine.filter((r) => out.some((c) => text(c).includes(r.body.toString())))
  const seqs = seen.map((r) => seqOf(r.body.toString()))
  return mine.filter(
    (r) => seqOf(r.body.toString()) >= Math.min(...seqs) && seqOf(r.body.toString()) <= Math.max(...seqs),
  )
}

describe('Windows TLS APIs under Wine', () => {
  it('WinHTTP client: capture --pid records its POSTs through winhttp.dll and secur32.dll, once each, and decode yields them', async () => {
    const marker = `winhttp-${process.pid}`
    const program = await startWine(
      buildProgram('winhttp-post', ['winhttp']),
      [String(server.port), marker],
      prefix,
    )
    programs.push(program)
    const dataDir = tempDir()
    const raw = join(dataDir, 'raw.jsonl')
    const cap = startCapture(['--pid', String(program.pid), '--duration', '12', '--raw', raw], dataDir)
    await cap.ready()
    expect(await cap.exited, cap.stderr).toBe(0)
    expect(cap.stderr).toMatch(/hooked [^\n]*WinHttpSendRequest@winhttp\.dll/)
    expect(cap.stderr).toMatch(/hooked [^\n]*EncryptMessage@secur32\.dll/)
    // The host's GnuTLS, under Wine's Schannel, is hooked as well.
    expect(cap.stderr).toMatch(/hooked [^\n]*gnutls_record_send@libgnutls/)

    const captures = cap.captures()
    const out = captures.filter((c) => c.dir === 'out')
    const sent = spanned(marker, out)
    expect(sent.length, program.stderr()).toBeGreaterThanOrEqual(5)
    for (const r of sent) {
      const body = r.body.toString()
      // Each body once, named by the WinHTTP call the app gave it to (even ones to WinHttpSendRequest, odd
      // ones to WinHttpWriteData); the request line and headers WinHTTP built, by EncryptMessage.
      const carriers = out.filter((c) => text(c).includes(body))
      expect(carriers.map((c) => [c.fn, c.module])).toEqual([
        [seqOf(body) % 2 === 0 ? 'WinHttpSendRequest' : 'WinHttpWriteData', 'winhttp.dll'],
      ])
      const head = out.filter((c) => text(c).startsWith(`POST ${r.url} HTTP/1.1\r\n`))
      expect(head.map((c) => [c.fn, c.module])).toEqual([['EncryptMessage', 'secur32.dll']])
    }
    // Not counted twice: the host's GnuTLS saw the same bytes, and reported none of them.
    expect(out.filter((c) => c.fn === 'gnutls_record_send')).toEqual([])
    // Tied to the program's connection by the socket call that sent the records.
    for (const c of out) expect(c).toMatchObject({ peer: `127.0.0.1:${server.port}`, pid: program.pid })
    expect(new Set(out.map((c) => c.conn)).size).toBe(1)
    expect(outbound(captures)).toContain(sent[0].body.toString())

    expectDecoded(
      raw,
      dataDir,
      sent.map((r) => r.body.toString()),
    )
  }, 300_000)

  it("an SSPI client's own EncryptMessage calls: its requests captured whole by EncryptMessage", async () => {
    const marker = `schannel-${process.pid}`
    const program = await startWine(
      buildProgram('schannel-post', ['ws2_32', 'secur32']),
      [String(server.port), marker],
      prefix,
    )
    programs.push(program)
    const dataDir = tempDir()
    const cap = startCapture(['--pid', String(program.pid), '--duration', '8'], dataDir)
    await cap.ready()
    expect(await cap.exited, cap.stderr).toBe(0)
    const out = cap.captures().filter((c) => c.dir === 'out')
    const sent = spanned(marker, out)
    expect(sent.length, program.stderr()).toBeGreaterThanOrEqual(5)
    for (const r of sent) {
      const carriers = out.filter((c) => text(c).includes(r.body.toString()))
      expect(carriers.map((c) => [c.fn, c.module])).toEqual([['EncryptMessage', 'secur32.dll']])
      expect(text(carriers[0])).toMatch(new RegExp(`^POST ${r.url.replace('?', '\\?')} HTTP/1\\.1\\r\\n`))
      expect(carriers[0]).toMatchObject({ peer: `127.0.0.1:${server.port}` })
    }
    expect(out.filter((c) => c.fn === 'gnutls_record_send')).toEqual([])
  }, 300_000)

  it('BCryptEncrypt (AES-GCM): its plaintext captured from the first call after bcrypt.dll loads', async () => {
    const marker = `bcrypt-${process.pid}`
    const go = join(tempDir(), 'go')
    const program = await startWine(buildProgram('bcrypt-gcm'), [marker, windowsPath(go)], prefix)
    programs.push(program)
    const dataDir = tempDir()
    const cap = startCapture(['--pid', String(program.pid), '--duration', '8'], dataDir)
    await cap.ready()
    // Not loaded yet: bcrypt.dll comes once the program is told to go, and is hooked before it encrypts.
    expect(cap.stderr).not.toMatch(/BCryptEncrypt@bcrypt\.dll/)
    writeFileSync(go, '')
    expect(await cap.exited, cap.stderr).toBe(0)
    expect(cap.stderr).toMatch(/hooked [^\n]*BCryptEncrypt@bcrypt\.dll/)
    const plain = cap
      .captures()
      .filter((c) => c.fn === 'BCryptEncrypt' && c.module === 'bcrypt.dll')
      .map((c) => JSON.parse(text(c)) as { marker: string; seq: number; audioMeanGain: number })
    expect(plain.length).toBeGreaterThanOrEqual(5)
    plain.forEach((p, i) => expect(p).toEqual({ marker, seq: i, audioMeanGain: -20 - (i % 3) }))
  }, 300_000)
})
