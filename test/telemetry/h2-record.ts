import http2 from 'node:http2'
import net, { type AddressInfo } from 'node:net'

export const h2Preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')

/** One HTTP/2 frame: its 9-byte header, then the payload. */
export function h2Frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9)
  h.writeUIntBE(payload.length, 0, 3)
  h[3] = type
  h[4] = flags
  h.writeUInt32BE(stream, 5)
  return Buffer.concat([h, payload])
}

export interface H2Request {
  path: string
  body: Buffer
  headers?: Record<string, string>
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  )
}

/**
 * Sends the requests with node's real HTTP/2 client (nghttp2: HPACK with a dynamic table, flow control)
 * to a local h2c server, `concurrency` at a time, and returns the bytes the client wrote, as a TLS hook
 * would see them, one Buffer per socket write.
 */
export async function recordHttp2(requests: H2Request[], concurrency: number): Promise<Buffer[]> {
  const server = http2.createServer()
  server.on('stream', (stream) => {
    stream.resume()
    stream.on('end', () => stream.respond({ ':status': 204 }, { endStream: true }))
  })
  const serverPort = await listen(server)
  const writes: Buffer[] = []
  const proxy = net.createServer((client) => {
    const upstream = net.connect(serverPort, '127.0.0.1')
    client.on('data', (d: Buffer) => {
      writes.push(Buffer.from(d))
      upstream.write(d)
    })
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
  })
  const proxyPort = await listen(proxy)
  const session = http2.connect(`http://127.0.0.1:${proxyPort}`)
  const send = (r: H2Request) =>
    new Promise<void>((resolve, reject) => {
      const req = session.request({
        ':method': 'POST',
        ':path': r.path,
        'content-type': 'application/json',
        ...r.headers,
      })
      req.on('response', () => undefined)
      req.on('error', reject)
      req.on('close', resolve)
      req.resume()
      req.end(r.body)
    })
  for (let i = 0; i < requests.length; i += concurrency)
    await Promise.all(requests.slice(i, i + concurrency).map(send))
  await new Promise<void>((resolve) => session.close(() => resolve()))
  await new Promise<void>((resolve) => proxy.close(() => resolve()))
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return writes
}
