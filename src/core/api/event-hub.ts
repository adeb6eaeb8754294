import { EventEmitter } from 'node:events'
import type { EventName, EventPayload } from '../../shared/contract'

/** An event's name and payload as a pair: a listener that checks the name has the payload typed. */
export type EventArgs = { [K in EventName]: [name: K, payload: EventPayload<K>] }[EventName]

/** Fans core events out to every attached transport (IPC windows, WebSocket clients, CLI). */
export class EventHub {
  private readonly emitter = new EventEmitter()

  constructor() {
    this.emitter.setMaxListeners(100)
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    this.emitter.emit('event', name, payload)
  }

  /** Receives every event (what a transport forwards); returns the unsubscribe function. */
  subscribe(listener: (...event: EventArgs) => void): () => void {
    this.emitter.on('event', listener)
    return () => this.emitter.off('event', listener)
  }

  /** Receives the events of one stream, typed; returns the unsubscribe function. */
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void {
    // One channel for all, so that listeners hear events in the order they were emitted, whichever way they
    // subscribed; emit() took the payload typed for its name.
    return this.subscribe((...[event, payload]) => {
      if (event === name) listener(payload as EventPayload<K>)
    })
  }
}
