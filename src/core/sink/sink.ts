import { X509Certificate } from 'node:crypto'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { generate } from 'selfsigned'
import { UserError } from '../errors'
import type { CaptureLine } from '../../shared/model'
import { webexLevels, type ReceivedLevels } from './webex-levels'

/** Larger request bodies are refused (413): a sink for telemetry, not a file store. */
const maxBodyBytes = 16 * 1024 * 1024

export interface ReceivedLine {
  event: 'received'
  t: number
  conn: string
  method: string
  target: string
  host: string | null
  contentType: string | null
  contentEncoding: string | null
  bytes: number
  /** The body after Content-Encoding, as text. */
  body: string
  levels: ReceivedLevels[]
}

export interface SinkOptions {
  host: string
  port: number
  onReceived: (line: ReceivedLine) => void
  /**
   * Every decrypted byte a client sent, per connection, as capture lines: what a TLS hook in the client
   * would have seen (dir 'out' is the client's outbound direction), for `mutescope decode --captures`.
   */
  onCapture?: (line: CaptureLine) => void
}

export interface Sink {
  url: string
  /** PEM of the self-signed certificate, to be trusted by clients (refvca --ca). */
  cert: string
  fingerprint256: string
  close(): Promise<void>
}

/** A local HTTPS telemetry sink with a certificate made at start (valid for localhost and loopback IPs). */
export async function startSink(o: SinkOptions): Promise<Sink> {
  const pems = await generate([{ name: 'commonName', value: 'MuteScope telemetry sink' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 7 * 86_400_000),
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
          ...(o.host === 'localhost' || o.host === '127.0.0.1' || o.host === '::1'
            ? []
            : [{ type: 7 as const, ip: o.host }]),
        ],
      },
    ],
  })
  let connections = 0
  const server = https.createServer(
    { key: pems.private, cert: pems.cert, keepAliveTimeout: 120_000 },
    (req, res) => {
      const parts: Buffer[] = []
      let size = 0
      req.on('data', (d: Buffer) => {
        size += d.length
        if (size <= maxBodyBytes) parts.push(d)
      })
      req.on('end', () => {
        if (size > maxBodyBytes) {
          res.writeHead(413).end()
          return
        }
        const encoding = req.headers['content-encoding'] ?? null
        const body = bodyText(Buffer.concat(parts), encoding)
        o.onReceived({
          event: 'received',
          t: Date.now(),
          conn: (req.socket as { sinkConn?: string }).sinkConn ?? '?',
          method: req.method ?? '',
          target: req.url ?? '',
          host: req.headers.host ?? null,
          contentType: req.headers['content-type'] ?? null,
          contentEncoding: encoding,
          bytes: size,
          body,
          levels: webexLevels(body),
        })
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
      })
    },
  )
  server.on('secureConnection', (socket) => {
    const conn = String(++connections)
    ;(socket as { sinkConn?: string }).sinkConn = conn
    const peer = `${socket.remoteAddress}:${socket.remotePort}`
    if (o.onCapture) {
      const capture = o.onCapture
      socket.on('data', (d: Buffer) =>
        capture({
          t: Date.now(),
          conn,
          fn: 'SSL_read',
          module: 'mutescope-sink',
          dir: 'out',
          peer,
          data: d.toString('base64'),
        }),
      )
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new UserError(
          err.code === 'EADDRINUSE'
            ? `port ${o.port} is in use; choose another with --port (0 picks a free one)`
            : `cannot listen on ${o.host}:${o.port}: ${err.message}`,
        ),
      ),
    )
    server.listen(o.port, o.host, resolve)
  })
  const { port } = server.address() as AddressInfo
  const host = o.host.includes(':') ? `[${o.host}]` : o.host
  return {
    url: `https://${host}:${port}`,
    cert: pems.cert,
    fingerprint256: new X509Certificate(pems.cert).fingerprint256,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function bodyText(raw: Buffer, encoding: string | null): string {
  const limit = { maxOutputLength: maxBodyBytes }
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(raw, limit).toString('utf8')
    if (encoding === 'deflate') return inflateSync(raw, limit).toString('utf8')
    if (encoding === 'br') return brotliDecompressSync(raw, limit).toString('utf8')
  } catch {
    return raw.toString('base64')
  }
  return raw.toString('utf8')
}
