import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CaptureLine } from '../../src/shared/model'
import { tempDir } from '../support/helpers'
import { startCapture } from '../capture/tls-lab'
import {
  buildProgram,
  expectDecoded,
  startWine,
  winePrefix,
  type WinePrefix,
  type WineProgram,
} from './wine-lab'

/**
 * Winsock under Wine: a program POSTs plain HTTP with WSASend, whose SOCKET is a Wine handle, not the Linux fd
 * the host's sendmsg under it gets. MuteScope captures the plaintext at WSASend, names the connection through
 * Wine's handle-to-fd mapping, and does not count the host's copy of the same bytes again.
 */

let prefix: WinePrefix
let server: Server
let port: number
const bodies: string[] = []
let program: WineProgram | undefined

beforeAll(async () => {
  prefix = winePrefix()
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString())
      res.end('ok')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
}, 900_000)

afterAll(async () => {
  await program?.stop()
  prefix?.close()
  await new Promise((r) => server?.close(r))
})

const text = (c: CaptureLine) => Buffer.from(c.data, 'base64').toString('latin1')
const seqOf = (body: string) => (JSON.parse(body) as { seq: number }).seq

describe('Winsock under Wine', () => {
  it('WSASend of a plain-HTTP POST: captured once at WSASend@ws2_32.dll with its peer, and decoded', async () => {
    const marker = `wsasend-${process.pid}`
    program = await startWine(buildProgram('wsasend-post', ['ws2_32']), [String(port), marker], prefix)
    const dataDir = tempDir()
    const raw = join(dataDir, 'raw.jsonl')
    const cap = startCapture(['--pid', String(program.pid), '--duration', '8', '--raw', raw], dataDir)
    await cap.ready()
    expect(await cap.exited, cap.stderr).toBe(0)
    expect(cap.stderr).toMatch(/hooked [^\n]*WSASend@ws2_32\.dll/)
    // Under Wine the host's socket calls are not hooked: Winsock's name the connection.
    expect(cap.stderr).not.toMatch(/hooked [^\n]*sendmsg@libc/)

    const out = cap.captures().filter((c) => c.dir === 'out')
    // The program's posts the capture window spans: from the first whose body was captured to the last.
    const mine = bodies.filter((b) => b.includes(`"marker":"${marker}"`))
    const seen = mine.filter((b) => out.some((c) => text(c).includes(b))).map(seqOf)
    const sent = mine.filter((b) => seqOf(b) >= Math.min(...seen) && seqOf(b) <= Math.max(...seen))
    expect(sent.length, program.stderr()).toBeGreaterThanOrEqual(5)
    for (const body of sent) {
      // Once, whole (both WSABUFs), by the program's WSASend: not again by the calls under it.
      const carriers = out.filter((c) => text(c).includes(body))
      expect(carriers.map((c) => [c.fn, c.module])).toEqual([['WSASend', 'ws2_32.dll']])
      expect(text(carriers[0])).toBe(
        `POST /telemetry?seq=${seqOf(body)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      )
      expect(carriers[0]).toMatchObject({ peer: `127.0.0.1:${port}`, pid: program.pid })
      expect(carriers[0].conn).toMatch(new RegExp(`^tcp:127\\.0\\.0\\.1:\\d+>127\\.0\\.0\\.1:${port}$`))
    }

    expectDecoded(raw, dataDir, sent)
  }, 600_000)
})
