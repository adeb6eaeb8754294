import { request } from 'node:http'
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { createApp, type App } from '../../src/core/app'
import { webLimits } from '../../src/core/web/api-sockets'
import { maxRequestBytes } from '../../src/shared/contract/define'
import { startWebServer, type WebServer } from '../../src/core/web/server'
import { tempDir } from '../support/helpers'

let app: App
let server: WebServer

beforeAll(async () => {
  app = createApp({ dataDir: tempDir(), transport: 'web' })
  server = await startWebServer(app, { port: 0 })
})
afterAll(async () => {
  await server.close()
  await app.close()
})

function connect(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

/** A plain HTTP GET with the Host header given (fetch cannot set it). */
function httpGet(path: string, host = `127.0.0.1:${server.port}`): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

function call(ws: WebSocket, id: number, method: string, params: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (raw: WebSocket.RawData) => {
      const msg = JSON.parse(raw.toString())
      if (msg.id === id) {
        ws.off('message', onMessage)
        resolve(msg.reply)
      }
    }
    ws.on('message', onMessage)
    ws.send(JSON.stringify({ id, method, params }))
  })
}

describe('web mode server', () => {
  it('prints a loopback URL carrying the token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[\\w-]{32}$`))
  })

  it('refuses a WebSocket without the token, with a wrong token, from another origin or host', async () => {
    await expect(connect('')).rejects.toThrow('HTTP 401')
    await expect(connect('?token=wrong')).rejects.toThrow('HTTP 401')
    await expect(connect(`?token=${server.token}`, { origin: 'https://evil.example' })).rejects.toThrow(
      'HTTP 403',
    )
    await expect(connect(`?token=${server.token}`, { host: `evil.example:${server.port}` })).rejects.toThrow(
      'HTTP 403',
    )
  })

  it('serves the UI with a strict CSP and refuses DNS-rebound hosts', async () => {
    const page = await fetch(`http://127.0.0.1:${server.port}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await page.text()).toContain('<div id="root">')
    // A page of evil.example whose name was rebound to 127.0.0.1 sends its own name as Host.
    expect(await httpGet('/', `evil.example:${server.port}`)).toMatchObject({ status: 421 })
    expect(await httpGet('/', `localhost:${server.port + 1}`)).toMatchObject({ status: 421 })
    expect(await httpGet('/', `localhost:${server.port}`)).toMatchObject({ status: 200 })
  })

  it('tells a page whose socket was refused whether its token is valid', async () => {
    expect(await httpGet('/api')).toMatchObject({ status: 401, body: 'this link lacks a valid token' })
    expect(await httpGet('/api?token=wrong')).toMatchObject({ status: 401 })
    expect(await httpGet(`/api?token=${server.token}`)).toMatchObject({ status: 426 })
  })

  it('refuses messages beyond the size and depth limits, and keeps serving', async () => {
    const ws = await connect(`?token=${server.token}`)
    const deep = '['.repeat(100) + ']'.repeat(100)
    const replies: unknown[] = []
    ws.on('message', (raw) => replies.push(JSON.parse(raw.toString())))
    ws.send(`{"id":1,"method":"listSessions","params":${deep}}`)
    await vi.waitFor(() => expect(replies).toHaveLength(1))
    expect(replies[0]).toMatchObject({ id: null, reply: { error: { code: 'invalid_message' } } })
    expect(await call(ws, 2, 'listSessions', {})).toMatchObject({ ok: true })
    const closed = new Promise<number>((resolve) => ws.once('close', resolve))
    ws.send(
      JSON.stringify({ id: 3, method: 'listSessions', params: { search: 'x'.repeat(maxRequestBytes) } }),
    )
    expect(await closed).toBe(1009) // "message too big"
    const again = await connect(`?token=${server.token}`)
    expect(await call(again, 4, 'listSessions', {})).toMatchObject({ ok: true })
    again.close()
  })

  it('answers contract requests, validates payloads and broadcasts events', async () => {
    const ws = await connect(`?token=${server.token}`)
    const events: unknown[] = []
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString())
      if (msg.event) events.push(msg)
    })
    expect(await call(ws, 1, 'listSessions', {})).toEqual({ ok: true, result: [] })
    const created = (await call(ws, 2, 'createSession', { name: 'over ws' })) as { result: { id: number } }
    expect(created).toMatchObject({ ok: true, result: { name: 'over ws', status: 'running' } })
    expect(await call(ws, 3, 'deleteSession', { id: 'x' })).toMatchObject({
      ok: false,
      error: {
        code: 'invalid_payload',
        message: expect.stringContaining('invalid payload for deleteSession'),
      },
    })
    await new Promise((r) => setTimeout(r, 50))
    expect(events).toContainEqual({
      event: 'sessionsChanged',
      payload: { id: created.result.id, change: 'created' },
    })
    ws.close()
  })

  it('caps clients and requests in flight; 100+ clients cause no listener warnings', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on('warning', onWarning)
    const attempts = await Promise.allSettled(
      Array.from({ length: 120 }, () => connect(`?token=${server.token}`)),
    )
    const open = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []))
    expect(open).toHaveLength(webLimits.maxClients)
    expect(new Set(attempts.flatMap((a) => (a.status === 'rejected' ? [String(a.reason)] : [])))).toEqual(
      new Set(['Error: HTTP 503']),
    )
    // Every client gets each event.
    const got = open.map((ws) => new Promise((resolve) => ws.once('message', resolve)))
    await call(open[0], 1, 'createSession', { name: 'for all' })
    await Promise.all(got)

    // Exports take a while (a big session): a burst of them exceeds the in-flight cap, then the transfer cap.
    const id = app.store.createSession({ name: 'big' }).id
    app.store.appendLevelSeconds(
      id,
      Array.from({ length: 50_000 }, (_, i) => ({ t: i * 1000, level: -i / 9 })),
    )
    const ws = open[1]
    const replies: { id: number; reply: { ok: boolean; error?: { code: string } } }[] = []
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString())
      if (typeof msg.id === 'number') replies.push(msg)
    })
    // Corked into one write, so that the server reads the whole burst before any export can finish.
    const socket = (ws as unknown as { _socket: Socket })._socket
    socket.cork()
    for (let i = 0; i < 24; i++)
      ws.send(JSON.stringify({ id: 100 + i, method: 'exportSession', params: { id } }))
    socket.uncork()
    await vi.waitFor(() => expect(replies).toHaveLength(24), { timeout: 30_000 })
    const codes = replies.map((r) => (r.reply.ok ? 'ok' : r.reply.error!.code))
    expect(codes.filter((c) => c === 'busy')).toHaveLength(24 - webLimits.maxInFlight)
    expect(codes.filter((c) => c === 'ok')).toHaveLength(8) // bundle transfers at once
    expect(codes.filter((c) => c === 'user_error')).toHaveLength(webLimits.maxInFlight - 8)
    await Promise.all(open.map((c) => new Promise((resolve) => (c.once('close', resolve), c.close()))))
    process.off('warning', onWarning)
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
  })

  it('refuses to listen beyond loopback', async () => {
    await expect(startWebServer(app, { host: '0.0.0.0' })).rejects.toThrow(/only listens on this machine/)
  })
})
