import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ConnectionOptions, PeerCertificate } from 'node:tls'
import { generate } from 'selfsigned'
import WebSocket, { type RawData } from 'ws'
import type { z } from 'zod'
import type { LabDevice, LabOffer } from '../../shared/contract/devices'
import {
  labLinkClose,
  labLinkMaxFrameBytes,
  toPlayer,
  type LabHello,
  type toLab,
} from '../../shared/contract/lab-link'
import { errorMessage, UserError } from '../errors'
import { readPem } from './certificate'

/** The lab link's plumbing shared by its three ends: certificate, pinned TLS, frames, heartbeat. */

/** A ping every this often; a link that missed two pongs is dead (a cut cable does not close a socket). */
const heartbeatMs = 2000
const missedPongs = 2
/** How long a connect and its hello may take before the link is given up. */
const connectTimeoutMs = 10_000

/**
 * The certificate and key the lab link serves when the portal was given none: made once and kept owner-only
 * in the data folder, so a lab machine pins it once ("lab-agent --lab-cert FILE").
 */
export async function labLinkPem(dir: string): Promise<{ certificate: string; pem: string; file: string }> {
  const file = join(dir, 'lab-link.pem')
  if (!existsSync(file)) {
    const made = await generate([{ name: 'commonName', value: 'MuteScope lab link' }], {
      keyType: 'ec',
      curve: 'P-256',
      notAfterDate: new Date(Date.now() + 825 * 86_400_000),
    })
    writeFileSync(file, made.cert + made.private, { mode: 0o600 })
  }
  return { ...readPem(file, 'the lab link certificate', true), file }
}

/** Constant-time token check (hashes first: timingSafeEqual needs equal lengths). */
export function tokenMatches(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest()
  return timingSafeEqual(h(given), h(expected))
}

export function sendJson(ws: WebSocket, message: object): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message))
}

/** A text frame checked against `schema`; null when it is not JSON or not that (the caller closes). */
export function parseFrame<S extends z.ZodTypeAny>(schema: S, data: RawData): z.infer<S> | null {
  try {
    const r = schema.safeParse(JSON.parse(data.toString()))
    return r.success ? r.data : null
  } catch {
    return null
  }
}

/** Pings every heartbeatMs; a link whose last pings went unanswered is terminated ('close' follows). */
export function heartbeat(ws: WebSocket): void {
  let missed = 0
  ws.on('pong', () => (missed = 0))
  const timer = setInterval(() => {
    if (missed >= missedPongs) return ws.terminate()
    missed++
    ws.ping()
  }, heartbeatMs)
  ws.once('close', () => clearInterval(timer))
}

/** A hello of either role, before the token is added (Omit over each member of the union). */
type LabHelloWithoutToken = LabHello extends infer H ? (H extends unknown ? Omit<H, 'token'> : never) : never

export interface LinkEndpoint {
  /** The lab link's HOST:PORT. */
  address: string
  token: string
  /** PEM certificate(s) the link must present: pinned, whatever host name it is reached by. */
  certificate: string
  /** How the far end is named in messages, e.g. 'device "lab" (portal at …)' or 'the workbench at …'. */
  label: string
}

/**
 * Opens the link, says hello and resolves with the open socket and the machines the portal's welcome lists.
 * A wrong token or certificate is a UserError coded 'auth' or 'tls' (no retry can fix those); anything else
 * rejects plainly. `schema` is what this end receives (toLab or toPlayer), welcome and refusal included.
 */
export function connectLabLink(
  endpoint: LinkEndpoint,
  hello: LabHelloWithoutToken,
  schema: typeof toLab | typeof toPlayer,
): Promise<{ ws: WebSocket; machines: LabOffer[] }> {
  const pinned = endpoint.certificate
    .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!
    .map((pem) => new X509Certificate(pem).fingerprint256)
  // Pinned: the certificate itself is checked, not the name it was reached by (lab addresses are IPs).
  const tls: ConnectionOptions = {
    ca: endpoint.certificate,
    checkServerIdentity: (_host: string, cert: PeerCertificate) =>
      pinned.includes(cert.fingerprint256) ? undefined : new Error('not the pinned certificate'),
  }
  // ws hands TLS options to tls.connect as they are; its typings declare an older checkServerIdentity.
  const ws = new WebSocket(`wss://${endpoint.address}/`, {
    ...(tls as object),
    maxPayload: labLinkMaxFrameBytes,
    handshakeTimeout: connectTimeoutMs,
  })
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      clearTimeout(timer)
      ws.terminate()
      reject(err)
    }
    const timer = setTimeout(
      () => fail(new Error(`no answer from ${endpoint.label} within ${connectTimeoutMs / 1000} s`)),
      connectTimeoutMs,
    )
    ws.once('open', () => sendJson(ws, { ...hello, token: endpoint.token }))
    ws.once('error', (err: NodeJS.ErrnoException) => {
      const tls = /CERT|pinned|self.signed|SSL|TLS/i.test(`${err.code ?? ''} ${err.message}`)
      fail(
        tls
          ? new UserError(
              `${endpoint.label} presented another TLS certificate than the one given (${err.message}): ` +
                'give the certificate "mutescope portal serve" printed',
              'tls',
            )
          : new Error(`cannot reach ${endpoint.label}: ${errorMessage(err)}`),
      )
    })
    ws.once('close', (code, reason) =>
      fail(new Error(`${endpoint.label} closed the link (${code}${reason.length ? ` ${reason}` : ''})`)),
    )
    ws.once('message', (data) => {
      const m = parseFrame(schema, data)
      if (m?.type === 'refused') return fail(new UserError(`${endpoint.label} refused the token`, 'auth'))
      if (m?.type !== 'welcome') return fail(new Error(`${endpoint.label} did not answer with a welcome`))
      clearTimeout(timer)
      ws.removeAllListeners('error').removeAllListeners('close')
      ws.on('error', () => undefined) // 'close' follows and says it
      heartbeat(ws)
      resolve({ ws, machines: m.machines })
    })
  })
}

/** Closes with one of our codes and a short reason (WebSocket reasons are at most 123 bytes). */
export function closeLink(ws: WebSocket, code: keyof typeof labLinkClose, reason: string): void {
  ws.close(labLinkClose[code], Buffer.from(reason).subarray(0, 120).toString())
}

/** A portal device's lab link, as the workbench reaches it (its token, its pinned certificate); null if none. */
export function labLinkOf(device: LabDevice): LinkEndpoint | null {
  if (device.kind !== 'portal' || !device.lab) return null
  return {
    address: device.lab.address,
    token: device.token,
    certificate: device.lab.certificate,
    label: `device "${device.name}" (portal at ${device.address}, lab link at ${device.lab.address})`,
  }
}

/** The lab machines offering their microphone at a lab link now. */
export async function labOffers(endpoint: LinkEndpoint): Promise<LabOffer[]> {
  const { ws, machines } = await connectLabLink(endpoint, { type: 'hello', role: 'player' }, toPlayer)
  ws.close()
  return machines
}
