import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import sirv from 'sirv'
import { WebSocketServer } from 'ws'
import { maxRequestBytes } from '../../shared/contract/define'
import type { App } from '../app'
import { UserError } from '../errors'
import { outPath } from '../paths'
import { ApiSockets, webLimits } from './api-sockets'
import {
  contentSecurityPolicy,
  hostHeaderAllowed,
  isLoopbackHost,
  originAllowed,
  tokenMatches,
} from './security'

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
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname === '/api') {
      // The page asks this when its socket is refused, to tell a bad link from a server that is gone.
      const valid = tokenMatches(token, url.searchParams.get('token'))
      res.writeHead(valid ? 426 : 401, { 'content-type': 'text/plain' })
      res.end(valid ? 'use a WebSocket' : 'this link lacks a valid token')
      return
    }
    assets(req, res, () => {
      res.writeHead(404).end()
    })
  })

  // Bundles cross in chunks, so no legitimate request is larger than this.
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxRequestBytes })
  const sockets = new ApiSockets(app)
  server.maxConnections = webLimits.maxConnections
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== '/api') return refuseUpgrade(socket, '404 Not Found')
    if (!hostHeaderAllowed(req.headers.host, port) || !originAllowed(req.headers.origin, port)) {
      return refuseUpgrade(socket, '403 Forbidden')
    }
    if (!tokenMatches(token, url.searchParams.get('token'))) return refuseUpgrade(socket, '401 Unauthorized')
    if (sockets.full) return refuseUpgrade(socket, '503 Service Unavailable')
    wss.handleUpgrade(req, socket, head, (ws) => sockets.add(ws))
  })

  // IPv6 addresses are written in brackets in URLs ("[::1]"); listen() takes them bare.
  const bindHost = host.replace(/^\[(.*)\]$/, '$1')
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, bindHost, () => resolve())
  }).catch((err: NodeJS.ErrnoException) => {
    sockets.close()
    if (err.code === 'EADDRINUSE')
      throw new UserError(`port ${opts.port} is in use; pick another with --port or use --port 0`)
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAFNOSUPPORT')
      throw new UserError(`this machine has no address "${host}" (${err.code}); use --host 127.0.0.1`)
    throw err
  })
  port = (server.address() as AddressInfo).port
  const shownHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.close()
        wss.close()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
