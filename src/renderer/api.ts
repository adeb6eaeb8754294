import {
  eventNames,
  requestNames,
  subscribeName,
  type EventName,
  type MuteScopeApi,
  type Reply,
} from '../shared/contract'

declare global {
  interface Window {
    /** Present inside Electron, exposed by the preload. */
    mutescope?: MuteScopeApi
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void }

const tokenKey = 'mutescope-token'
const badLink = 'this link lacks a valid token: open the URL that `mutescope serve` printed'

/**
 * The token from the URL that `mutescope serve` printed, moved out of the address bar (and so out of the
 * history) into this tab's session storage, where a reload still finds it.
 */
function takeToken(): string {
  const params = new URLSearchParams(location.search)
  const fromUrl = params.get('token')
  if (fromUrl === null) return sessionStorage.getItem(tokenKey) ?? ''
  sessionStorage.setItem(tokenKey, fromUrl)
  params.delete('token')
  const query = params.toString()
  history.replaceState(history.state, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`)
  return fromUrl
}

/** Why the socket was refused: the browser does not say, so the server is asked over plain HTTP. */
async function refusal(token: string): Promise<Error> {
  try {
    const r = await fetch(`/api?token=${encodeURIComponent(token)}`, { cache: 'no-store' })
    if (r.status === 401) return new Error(badLink)
  } catch {
    // The server is gone: said below.
  }
  return new Error(
    'cannot reach the MuteScope server; is "mutescope serve" still running? Open the URL it printed.',
  )
}

/**
 * Web mode: the same MuteScopeApi over the loopback WebSocket, built from the contract's names so that it
 * cannot drift from the Electron preload. The token comes from the URL that `mutescope serve` printed.
 */
function createWebSocketApi(): MuteScopeApi {
  const token = takeToken()
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api?token=${encodeURIComponent(token)}`
  const pending = new Map<number, Pending>()
  const listeners = new Map<EventName, Set<(p: unknown) => void>>()
  let nextId = 1
  let socket: Promise<WebSocket> | undefined

  function connect(): Promise<WebSocket> {
    socket ??= new Promise((resolve, reject) => {
      if (!token) return reject(new Error(badLink))
      const ws = new WebSocket(url)
      ws.onopen = () => resolve(ws)
      ws.onerror = () => void refusal(token).then(reject)
      ws.onclose = () => {
        socket = undefined
        for (const p of pending.values())
          p.reject(new Error('the connection to the MuteScope server was lost'))
        pending.clear()
      }
      ws.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as {
          id?: number
          reply?: Reply
          event?: EventName
          payload?: unknown
        }
        if (msg.event) for (const l of listeners.get(msg.event) ?? []) l(msg.payload)
        else if (typeof msg.id === 'number' && msg.reply) {
          const p = pending.get(msg.id)
          pending.delete(msg.id)
          if (msg.reply.ok) p?.resolve(msg.reply.result)
          else p?.reject(new Error(msg.reply.error.message))
        }
      }
    })
    return socket
  }

  const api: Record<string, unknown> = {}
  for (const method of requestNames) {
    api[method] = async (params: unknown) => {
      const ws = await connect()
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject })
        ws.send(JSON.stringify({ id, method, params: params ?? {} }))
      })
    }
  }
  for (const event of eventNames) {
    api[subscribeName(event)] = (listener: (p: unknown) => void) => {
      const set = listeners.get(event) ?? new Set()
      set.add(listener)
      listeners.set(event, set)
      void connect().catch(() => undefined)
      return () => set.delete(listener)
    }
  }
  return api as MuteScopeApi
}

export const transport: 'electron' | 'web' = window.mutescope ? 'electron' : 'web'
export const api: MuteScopeApi = window.mutescope ?? createWebSocketApi()
