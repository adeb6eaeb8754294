import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'
import {
  fromLab,
  fromPlayer,
  labHello,
  labLinkHelloTimeoutMs,
  labLinkMaxFrameBytes,
} from '../../shared/contract/lab-link'
import type { LabMic, LabOffer } from '../../shared/contract/devices'
import { keyBlock } from './certificate'
import { closeLink, heartbeat, parseFrame, sendJson, tokenMatches } from './lab-link'
import { splitAddress } from './portal'

export type LabLinkEvent =
  | { what: 'lab-joined'; machine: string; mic: LabMic; from: string }
  | { what: 'lab-left'; machine: string; reason: string }
  | { what: 'lab-playing'; machine: string }
  | { what: 'lab-stopped'; machine: string; reason: string }
  | { what: 'lab-refused'; from: string; reason: string }

export interface LabLinkServer {
  /** ADDR:PORT it listens on (the port chosen when 0 was asked for). */
  address: string
  offers(): LabOffer[]
  close(): Promise<void>
}

interface Lab {
  ws: WebSocket
  mic: LabMic
  player: WebSocket | null
}

/**
 * The portal's end of the lab link: lab machines offer their virtual microphone here, and the workbench's
 * player streams to one of them; this end checks the token, validates every frame and relays between the two.
 * One player per lab machine at a time. A lab machine that misses a heartbeat is dropped (and rejoins).
 */
export async function startLabLink(opts: {
  address: string
  token: string
  /** Certificate and key (PEM) the link serves TLS with. */
  certificate: string
  pem: string
  onEvent: (e: LabLinkEvent) => void
}): Promise<LabLinkServer> {
  const labs = new Map<string, Lab>()
  const offers = (): LabOffer[] =>
    [...labs].map(([machine, l]) => ({ machine, mic: l.mic, busy: l.player !== null }))
  const https = createServer({ cert: opts.certificate, key: keyBlock.exec(opts.pem)![0] })
  const wss = new WebSocketServer({ server: https, maxPayload: labLinkMaxFrameBytes })

  wss.on('connection', (ws, req) => {
    const from = `${req.socket.remoteAddress}:${req.socket.remotePort}`
    ws.on('error', () => undefined) // 'close' follows
    heartbeat(ws)
    const timer = setTimeout(() => closeLink(ws, 'protocol', 'no hello'), labLinkHelloTimeoutMs)
    ws.once('close', () => clearTimeout(timer))
    ws.once('message', (data, binary) => {
      clearTimeout(timer)
      const hello = binary ? null : parseFrame(labHello, data)
      if (!hello) return closeLink(ws, 'protocol', 'the first message must be a hello')
      if (!tokenMatches(hello.token, opts.token)) {
        opts.onEvent({ what: 'lab-refused', from, reason: 'wrong token' })
        sendJson(ws, { type: 'refused', reason: 'wrong token' })
        return closeLink(ws, 'refused', 'wrong token')
      }
      if (hello.role === 'lab') acceptLab(ws, hello.machine, hello.mic, from)
      else acceptPlayer(ws)
    })
  })

  function acceptLab(ws: WebSocket, machine: string, mic: LabMic, from: string): void {
    // The same machine again (it reconnected before its old link was noticed dead): the new link wins.
    const old = labs.get(machine)
    if (old) closeLink(old.ws, 'replaced', 'the machine connected again')
    const lab: Lab = { ws, mic, player: null }
    labs.set(machine, lab)
    sendJson(ws, { type: 'welcome', machines: offers() })
    opts.onEvent({ what: 'lab-joined', machine, mic, from })
    ws.on('message', (data, binary) => {
      const m = binary ? null : parseFrame(fromLab, data)
      if (!m) return closeLink(ws, 'protocol', 'not a lab message')
      if (!lab.player) return
      sendJson(lab.player, m)
      if (m.type === 'playing') opts.onEvent({ what: 'lab-playing', machine })
      if (m.type === 'ended') {
        lab.player = null
        opts.onEvent({ what: 'lab-stopped', machine, reason: m.message || `exit ${m.code}` })
      }
    })
    ws.on('close', (code, why) => {
      const reason = why.length ? why.toString() : `link closed (${code})`
      if (labs.get(machine) === lab) labs.delete(machine)
      if (lab.player) {
        sendJson(lab.player, { type: 'error', message: `lab machine "${machine}" left: ${reason}` })
        closeLink(lab.player, 'left', 'the lab machine left')
      }
      opts.onEvent({ what: 'lab-left', machine, reason })
    })
  }

  function acceptPlayer(ws: WebSocket): void {
    let lab: Lab | null = null
    sendJson(ws, { type: 'welcome', machines: offers() })
    ws.on('message', (data, binary) => {
      if (binary) {
        const pcm = data as Buffer
        // Float32 samples only, and only to a machine that is playing for this player.
        if (!lab || lab.player !== ws || pcm.length % 4 !== 0)
          return closeLink(ws, 'protocol', 'unexpected PCM')
        return lab.ws.send(pcm, { binary: true })
      }
      const m = parseFrame(fromPlayer, data)
      if (!m) return closeLink(ws, 'protocol', 'not a player message')
      if (m.type !== 'play') return lab?.player === ws ? sendJson(lab.ws, m) : undefined
      const wanted = labs.get(m.machine)
      const error = lab
        ? 'this link already plays'
        : !wanted
          ? `no lab machine "${m.machine}" offers its microphone at this portal (linked: ${
              [...labs.keys()].join(', ') || 'none'
            }): start "mutescope lab-agent" there`
          : wanted.player
            ? `lab machine "${m.machine}" already plays another stream`
            : null
      if (error) return sendJson(ws, { type: 'error', message: error })
      lab = wanted!
      lab.player = ws
      sendJson(lab.ws, { type: 'play', sampleRate: m.sampleRate })
    })
    ws.on('close', () => {
      // A player gone mid-stream: its machine stops playing.
      if (lab?.player === ws) sendJson(lab.ws, { type: 'stop' })
    })
  }

  const { address, port } = splitAddress(opts.address)
  await new Promise<void>((resolve, reject) => {
    https.once('error', reject)
    https.listen(port, address, () => {
      https.off('error', reject)
      resolve()
    })
  })
  const bound = (https.address() as AddressInfo).port
  return {
    address: `${address.includes(':') ? `[${address}]` : address}:${bound}`,
    offers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate()
        wss.close()
        https.close(() => resolve())
      }),
  }
}
