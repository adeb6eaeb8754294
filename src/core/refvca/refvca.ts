import { randomUUID } from 'node:crypto'
import https from 'node:https'
import { UserError } from '../errors'
import type { RefvcaMode } from '../../shared/contract/experiment'
import { AgcModel, agcFrameS, defaultAgc, type IntervalGains } from './agc'
import { micBlocks, realtimeFileBlocks, type MicApi } from './audio-input'
import { NoiseSuppressor } from './noise-suppression'
import { webexBody } from './webex-body'

export const refvcaSampleRate = 16_000
export const telemetryPath = '/metric/v1?appid=mutescope-refvca'

export interface RefvcaOptions {
  /** A live source read through `api` (default pulse), or a file played at a microphone's pace. */
  input: { source: string; api?: MicApi } | { file: string; loop: boolean }
  intervalS: number
  /** noise-removal runs the documented suppression model (noise-suppression.ts) before the AGC; music does not. */
  mode: RefvcaMode
  /** https URL of the telemetry sink (its origin; the request path is Webex's). */
  sink: URL
  /** PEM certificate(s) to trust for the sink, e.g. the self-signed one `mutescope sink` made. */
  ca?: string
  signal: AbortSignal
  onSent: (report: SentReport) => void
  /** A report that could not be delivered; like a real app, refvca carries on with the next interval. */
  onError: (err: Error) => void
}

export interface SentReport extends IntervalGains {
  ts: string
  status: number
  bytes: number
}

/**
 * The reference target: reads the microphone continuously (as a muted app does), runs the AGC model and,
 * every interval of audio, POSTs a Webex-shaped report to the sink over one keep-alive HTTPS connection.
 * node's own https (OpenSSL) is used on purpose: hooks on SSL_write see the plaintext, as with real apps.
 * Resolves when the input ends (a file without loop) or the signal aborts.
 */
export async function runRefvca(o: RefvcaOptions): Promise<void> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: o.ca })
  const agc = new AgcModel(refvcaSampleRate, defaultAgc, suppression(o.mode))
  const perInterval = Math.round(o.intervalS * refvcaSampleRate)
  const correlationId = randomUUID()
  const blocks =
    'source' in o.input
      ? micBlocks(o.input.source, o.input.api ?? 'pulse', refvcaSampleRate, o.signal)
      : realtimeFileBlocks(o.input.file, refvcaSampleRate, o.input.loop, o.signal)
  let inInterval = 0
  const send = async () => {
    const gains = agc.takeInterval()
    // A stop aborts a POST in flight (a stalled sink must not keep refvca from exiting); that is no error.
    if (gains)
      await post(o, agent, gains, correlationId).then(
        o.onSent,
        (err: Error) => o.signal.aborted || o.onError(err),
      )
  }
  try {
    for await (const block of blocks) {
      for (let i = 0; i < block.length;) {
        const n = Math.min(block.length - i, perInterval - inInterval)
        agc.push(block.subarray(i, i + n))
        i += n
        inInterval += n
        if (inInterval === perInterval) {
          inInterval = 0
          await send()
        }
      }
    }
    if (!o.signal.aborted) await send()
  } finally {
    agent.destroy()
  }
}

function suppression(mode: RefvcaMode): ((frame: Float32Array) => number) | undefined {
  if (mode === 'music') return undefined
  const suppressor = new NoiseSuppressor(agcFrameS)
  return (frame) => suppressor.process(frame)
}

function post(o: RefvcaOptions, agent: https.Agent, gains: IntervalGains, cid: string): Promise<SentReport> {
  const ts = new Date()
  const body = Buffer.from(webexBody(gains, ts, cid))
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(telemetryPath, o.sink),
      {
        method: 'POST',
        agent,
        signal: o.signal,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          'user-agent': 'MuteScope-refvca',
        },
      },
      (res) => {
        res.resume()
        res.on('end', () =>
          resolve({ ts: ts.toISOString(), ...gains, status: res.statusCode ?? 0, bytes: body.length }),
        )
        // Cut off mid-response (a dropped connection, an abort): 'end' never comes, and the next report must.
        const cutOff = () =>
          reject(
            new UserError(`the response from ${o.sink.origin} was cut off; check that the sink is running`),
          )
        res.on('error', cutOff)
        res.on('close', () => res.complete || cutOff())
      },
    )
    req.on('error', (err: NodeJS.ErrnoException) => {
      const hint = /self.signed|unable to verify|certificate/i.test(err.message)
        ? '; pass the sink\'s certificate with --ca FILE (written by "mutescope sink --cert-out FILE")'
        : '; check that the sink is running at that URL'
      reject(new UserError(`cannot POST to ${o.sink.origin}: ${err.message}${hint}`))
    })
    req.end(body)
  })
}
