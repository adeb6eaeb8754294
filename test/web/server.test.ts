import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createApp, type App } from '../../src/core/app'
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

  it('refuses to listen beyond loopback', async () => {
    await expect(startWebServer(app, { host: '0.0.0.0' })).rejects.toThrow(/only listens on this machine/)
  })
})
