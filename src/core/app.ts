import { EventHub } from './api/event-hub'
import { createDispatcher, type Dispatch } from './api/dispatch'
import { createHandlers } from './api/handlers'
import type { AppContext } from './api/context'
import { realParts } from './experiment/real-parts'
import { PlanRunner } from './experiment/plan-runner'
import { ExperimentRunner } from './experiment/runner'
import { dataDir } from './paths'
import { PlanStore } from './store/plan-store'
import { SessionStore } from './store/session-store'

export interface App extends AppContext {
  dispatch: Dispatch
  close(): Promise<void>
}

/** Wires the services behind the API. Electron's main process and `mutescope serve` both start exactly this. */
export function createApp(opts: { dataDir?: string; transport: 'electron' | 'web' }): App {
  const dir = opts.dataDir ?? dataDir()
  const store = SessionStore.open({ dir })
  const events = new EventHub()
  const experiment = new ExperimentRunner(store, events, realParts(dir))
  const planStore = new PlanStore(store)
  const plans = new PlanRunner(planStore, events, experiment)
  const ctx: AppContext = {
    store,
    events,
    dataDir: dir,
    transport: opts.transport,
    experiment,
    plans,
    planStore,
  }
  const dispatch = createDispatcher(createHandlers(ctx))
  return {
    ...ctx,
    dispatch,
    async close() {
      // A plan in progress ends "interrupted", to be resumed, and does not go on to its next run.
      await plans.close()
      // A running experiment ends "completed"/"stopped" rather than being found "interrupted" next start.
      await experiment.stop({ status: 'interrupted', reason: 'MuteScope was closed during the run' })
      store.close()
    },
  }
}
