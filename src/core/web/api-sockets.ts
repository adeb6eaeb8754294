import type { WebSocket } from 'ws'
import { z } from 'zod'
import type { App } from '../app'
import { jsonDeeperThan } from '../json-depth'

/** Bounds on what web-mode clients may hold open or ask at once. */
export const webLimits = {
  /** WebSocket clients at once: a user has a few tabs open, not dozens. */
  maxClients: 32,
  /** TCP connections at once (page loads and sockets); Node closes the ones beyond. */
  maxConnections: 128,
  /** Requests one client may have awaiting their replies. */
  maxInFlight: 16,
  /** Deepest JSON a message may hold, checked before it is parsed. */
  maxJsonDepth: 64,
}

const clientMessage = z
  .object({ id: z.number().int(), method: z.string().max(100), params: z.unknown() })
  .strict()

function refusal(id: number | null, message: string, code: string): string {
  return JSON.stringify({ id, reply: { ok: false, error: { message, code } } })
}

/**
 * The authenticated API sockets: each message is bounded and validated before it reaches the dispatcher,
 * and core events reach every socket through one subscription to the event hub, however many sockets
 * there are.
 */
export class ApiSockets {
  private readonly sockets = new Set<WebSocket>()
  private readonly unsubscribe: () => void

  constructor(private readonly app: App) {
    this.unsubscribe = app.events.subscribe((event, payload) => {
      const message = JSON.stringify({ event, payload })
      for (const ws of this.sockets) if (ws.readyState === ws.OPEN) ws.send(message)
    })
  }

  get full(): boolean {
    return this.sockets.size >= webLimits.maxClients
  }

  add(ws: WebSocket): void {
    this.sockets.add(ws)
    ws.on('close', () => this.sockets.delete(ws))
    // A frame over the size limit (or a broken one) ends this socket, never the server: ws closes it itself.
    ws.on('error', () => undefined)
    let inFlight = 0
    ws.on('message', async (raw) => {
      const text = raw.toString()
      let msg: z.infer<typeof clientMessage>
      try {
        if (jsonDeeperThan(text, webLimits.maxJsonDepth)) throw new Error('too deep')
        msg = clientMessage.parse(JSON.parse(text))
      } catch {
        ws.send(refusal(null, 'malformed message', 'invalid_message'))
        return
      }
      if (inFlight >= webLimits.maxInFlight) {
        ws.send(
          refusal(
            msg.id,
            `more than ${webLimits.maxInFlight} requests awaiting replies; wait for them`,
            'busy',
          ),
        )
        return
      }
      inFlight++
      const reply = await this.app.dispatch(msg.method, msg.params)
      inFlight--
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, reply }))
    })
  }

  close(): void {
    this.unsubscribe()
    for (const ws of this.sockets) ws.terminate()
  }
}
