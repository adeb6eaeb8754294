import https from 'node:https'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserError } from '../../src/core/errors'
import { type ReceivedLine, type Sink, startSink } from '../../src/core/sink/sink'
import type { CaptureLine } from '../../src/shared/model'
import { packets } from './packets'

let sink: Sink
const received: ReceivedLine[] = []
const captured: CaptureLine[] = []

beforeAll(async () => {
  sink = await startSink({
    host: '127.0.0.1',
    port: 0,
    onReceived: (l) => received.push(l),
    onCapture: (c) => captured.push(c),
  })
})
afterAll(() => sink.close())

/** POSTs with node's https, trusting only the sink's own certificate. */
function post(body: Buffer, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL('/metric/v1', sink.url),
      { method: 'POST', ca: sink.cert, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('mutescope sink', () => {
  it('serves a certificate valid for 127.0.0.1 and logs Webex levels, also gzip-encoded', async () => {
    expect(sink.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    expect(await post(Buffer.from(packets[0].body))).toBe(200)
    expect(await post(gzipSync(packets[1].body), { 'content-encoding': 'gzip' })).toBe(200)
    expect(
      received.map((r) => r.levels.map((l) => [l.audioMaxGain, l.audioMeanGain, l.audioMinGain])),
    ).toEqual([packets[0].truth, packets[1].truth])
    expect(received[1]).toMatchObject({
      method: 'POST',
      target: '/metric/v1',
      contentEncoding: 'gzip',
      body: packets[1].body,
    })
    expect(received.map((r) => r.levels[0].ts)).toEqual([packets[0].ts, packets[1].ts])
  })

  it('logs other bodies with no levels, and captures the decrypted bytes per connection', async () => {
    received.length = 0
    expect(await post(Buffer.from('{"hello":1}'))).toBe(200)
    expect(received[0]).toMatchObject({ body: '{"hello":1}', levels: [] })
    const bytes = Buffer.concat(captured.map((c) => Buffer.from(c.data, 'base64'))).toString()
    expect(bytes).toContain('POST /metric/v1 HTTP/1.1\r\n')
    expect(bytes).toContain('{"hello":1}')
  })

  it('refuses a taken port with a message naming --port', async () => {
    const port = Number(new URL(sink.url).port)
    await expect(startSink({ host: '127.0.0.1', port, onReceived: () => undefined })).rejects.toThrow(
      UserError,
    )
    await expect(startSink({ host: '127.0.0.1', port, onReceived: () => undefined })).rejects.toThrow(
      /--port/,
    )
  })
})
