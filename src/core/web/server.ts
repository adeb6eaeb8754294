import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import sirv from 'sirv'
import { WebSocketServer, type WebSocket } from 'ws'
import { z } from 'zod'
import type { App } from '../app'
import { UserError } from '../errors'
import { outPath } from '../paths'
import {
  contentSecurityPolicy,
  hostHeaderAllowed,
  isLoopbackHost,
  originAllowed,
  tokenMatches,
} from './security'

const clientMessage = z
  .object({ id: z.number().int(), method: z.string().max(100), params: z.unknown() })
  .strict()

export interface WebServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

export interface ServeOptions {
  host?: string
  port?: number
  /** Folder of the built renderer; defaults to out/renderer. */
  staticDir?: string
}

function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

/**
 * Web mode: the built renderer over HTTP and the contract over a WebSocket at /api, on loopback only.
 * Every WebSocket must present the per-run token; every message is validated by the same dispatcher as IPC.
 */
export async function startWebServer(app: App, opts: ServeOptions = {}): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1'
  if (!isLoopbackHost(host)) {
    throw new UserError(`web mode only listens on this machine; use --host 127.0.0.1 (got "${host}")`)
  }
  const staticDir = opts.staticDir ?? outPath('renderer')
  if (!existsSync(staticDir)) {
    throw new UserError(
      `the user interface is not built (${staticDir} is missing); run "npm run build" first`,
    )
  }
  const token = randomBytes(24).toString('base64url')
  const assets = sirv(staticDir, { single: true, dev: false, etag: true })
  let port = 0

  const server: Server = createServer((req, res) => {
    if (!hostHeaderAllowed(req.headers.host, port)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request')
      return
    }
    res.setHeader('content-security-policy', contentSecurityPolicy(`ws://${req.headers.host}`))
    res.setHeader('x-content-type-options', 'nosniff')
    res.setHeader('referrer-policy', 'no-referrer')
    res.setHeader('cross-origin-opener-policy', 'same-origin')
    assets(req, res, () => {
      res.writeHead(404).end()
    })
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 512 * 1024 * 1024 })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== '/api') return refuseUpgrade(socket, '404 Not Found')
    if (!hostHeaderAllowed(req.headers.host, port) || !originAllowed(req.headers.origin, port)) {
      return refuseUpgrade(socket, '403 Forbidden')
    }
    if (!tokenMatches(token, url.searchParams.get('token'))) return refuseUpgrade(socket, '401 Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => serveClient(app, ws))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE')
      throw new UserError(`port ${opts.port} is in use; pick another with --port or use --port 0`)
    throw err
  })
  port = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate()
        wss.close()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function serveClient(app: App, ws: WebSocket): void {
  const unsubscribe = app.events.subscribe((event, payload) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }))
  })
  ws.on('close', unsubscribe)
  ws.on('message', async (raw) => {
    let msg: z.infer<typeof clientMessage>
    try {
      msg = clientMessage.parse(JSON.parse(raw.toString()))
    } catch {
      ws.send(
        JSON.stringify({
          id: null,
          reply: { ok: false, error: { message: 'malformed message', code: 'invalid_message' } },
        }),
      )
      return
    }
    const reply = await app.dispatch(msg.method, msg.params)
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, reply }))
  })
}
