import { EventHub } from './api/event-hub'
import { createDispatcher, type Dispatch } from './api/dispatch'
import { createHandlers } from './api/handlers'
import type { AppContext } from './api/context'
import { dataDir } from './paths'
import { SessionStore } from './store/session-store'

export interface App extends AppContext {
  dispatch: Dispatch
  close(): Promise<void>
}

/** Wires the services behind the API. Electron's main process and `mutescope serve` both start exactly this. */
export function createApp(opts: { dataDir?: string; transport: 'electron' | 'web' }): App {
  const dir = opts.dataDir ?? dataDir()
  const store = SessionStore.open({ dir })
  const ctx: AppContext = { store, events: new EventHub(), dataDir: dir, transport: opts.transport }
  const dispatch = createDispatcher(createHandlers(ctx))
  return {
    ...ctx,
    dispatch,
    async close() {
      store.close()
    },
  }
}
