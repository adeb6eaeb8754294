import { expectCaptured } from './expect-captured'
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { HookedFunction } from '../../src/agent/protocol'
import { agentSource } from '../../src/core/capture/agent-source'
import { CaptureRun } from '../../src/core/capture/capture-run'
import { PythonBackend } from '../../src/core/capture/python-backend'
import type { Capture } from '../../src/shared/model'
import { runCli, tempDir } from '../support/helpers'
import { killBrowser, networkServicePid, posterPage, postsWith, startBrowser } from './browser-lab'
import { makeCert, outbound, startCapture, startHttpsServer, type Received } from './tls-lab'

// Debian's Chromium links BoringSSL statically and is stripped: no SSL_* export, no symbol. The locators of
// resources/tls-patterns/boringssl.json find SSL_write, SSL_read and ssl_log_secret in its code. Chromium
// runs first, its TLS connection already open, and MuteScope attaches to its network service.
const marker = `chromium-${process.pid}`
let cert: ReturnType<typeof makeCert>
let server: Awaited<ReturnType<typeof startHttpsServer>>
let browser: ChildProcess
let pid: number
/** The client ports of the TLS connections Chromium opened, in order. */
const connections: number[] = []

const posts = (): Received[] => postsWith(server.received, marker)

beforeAll(async () => {
  cert = makeCert()
  server = await startHttpsServer(cert, { '/poster.html': posterPage(marker) })
  server.server.on('secureConnection', (s) => connections.push(s.remotePort ?? 0))
  browser = startBrowser('chromium', `${server.url}/poster.html`)
  while (posts().length < 2) await server.waitFor(server.received.length + 1, 60_000)
  pid = networkServicePid(browser.pid!) ?? 0
  expect(pid).toBeGreaterThan(0)
}, 90_000)
afterAll(async () => {
  killBrowser(browser)
  await server.close()
})

describe('capture on Chromium (static, stripped BoringSSL)', () => {
  it('attached by --name to every Chromium process: the POSTs on the connection opened before come through SSL_write and decode', async () => {
    const dataDir = tempDir()
    const raw = join(dataDir, 'raw.jsonl')
    const opened = [...connections]
    const cap = startCapture(['--name', 'chromium', '--duration', '15', '--raw', raw], dataDir)
    await cap.ready()
    // The network service, where the sockets live, is among them.
    expect(cap.stderr).toMatch(new RegExp(`attached to chromium \\(pid ${pid}\\)`))
    // The zygotes (whose command line Chromium rewrites into one string) are left alone, and said so.
    expect(cap.stderr).toMatch(/is Chromium's zygote: not attached/)
    const from = posts().length + 1 // one may be in flight while the hooks go in
    expect(await cap.exited).toBe(0)
    expect(cap.stderr).toMatch(/hooked [^\n]*SSL_write@chromium/)
    const sent = posts().slice(from, -1)
    expect(sent.length).toBeGreaterThanOrEqual(5)
    const captures = cap.captures()
    expectCaptured(outbound(captures, /^SSL_write$/), sent)
    // Carried by a connection that Chromium opened before the attach, and tied to it by the socket hooks.
    const carrier = captures.find(
      (c) => c.fn === 'SSL_write' && Buffer.from(c.data, 'base64').toString().includes(sent[0].url),
    )
    expect(carrier).toMatchObject({ module: 'chromium', peer: `127.0.0.1:${server.port}`, pid })
    expect(opened.some((port) => carrier?.conn.includes(`:${port}>`))).toBe(true)

    const decoded = runCli(['decode', raw, '--captures', '--profile', 'generic', '--json'], { dataDir })
    expect(decoded.status).toBe(0)
    type Posted = { seq: number; audioMeanGain: number }
    const records = decoded.stdout
      .split('\n')
      .filter((l) => l.includes('audioMeanGain'))
      .map((l) => JSON.parse(l) as Posted)
    for (const r of sent) {
      const { seq, audioMeanGain } = JSON.parse(r.body.toString()) as Posted
      expect(records).toContainEqual(expect.objectContaining({ seq, audioMeanGain }))
    }
  }, 90_000)

  it('says the functions were found by pattern, reads responses through SSL_read, and logs the keys of a new connection as the server knows them', async () => {
    const backend = await PythonBackend.start()
    const run = new CaptureRun(backend, agentSource(), { host: null, target: { pids: [pid] } })
    const hooks: HookedFunction[] = []
    const keylog: string[] = []
    const inbound: Capture[] = []
    run.on('hooks', (h) => hooks.push(...h))
    run.on('keylog', (line) => keylog.push(line))
    run.on('capture', (c) => {
      if (c.dir === 'in') inbound.push(c)
    })
    const serverKeys: string[] = []
    const onKeylog = (line: Buffer) => serverKeys.push(line.toString().trim())
    server.server.on('keylog', onKeylog)
    try {
      await run.start()
      const found = hooks.filter((h) => h.module === 'chromium').map((h) => `${h.fn} ${h.how}`)
      expect(found.sort()).toEqual(['SSL_read pattern', 'SSL_write pattern', 'ssl_log_secret pattern'])
      // Chromium's next POST opens a new connection: a TLS 1.3 handshake whose secrets both ends log.
      server.server.closeAllConnections()
      await vi.waitFor(
        () => {
          expect(serverKeys.filter((l) => l.startsWith('CLIENT_TRAFFIC_SECRET_0 '))).not.toHaveLength(0)
          expect(keylog).toHaveLength(serverKeys.length)
        },
        { timeout: 30_000, interval: 200 },
      )
      await server.waitFor(server.received.length + 2)
    } finally {
      server.server.off('keylog', onKeylog)
      await run.stop()
      await backend.close()
    }
    expect(keylog.sort()).toEqual(serverKeys.sort())
    const acks = inbound.filter((c) => c.fn === 'SSL_read').map((c) => Buffer.from(c.data).toString())
    expect(acks.join('')).toMatch(/ack \/telemetry\?seq=\d+/)
  }, 90_000)
})
