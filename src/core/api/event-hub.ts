import { EventEmitter } from 'node:events'
import type { EventName, EventPayload } from '../../shared/contract'

type Listener = (name: EventName, payload: unknown) => void

/** Fans core events out to every attached transport (IPC windows, WebSocket clients, CLI). */
export class EventHub {
  private readonly emitter = new EventEmitter()

  constructor() {
    this.emitter.setMaxListeners(100)
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    this.emitter.emit('event', name, payload)
  }

  /** Receives every event; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.emitter.on('event', listener)
    return () => this.emitter.off('event', listener)
  }
}
