import { EventHub } from './api/event-hub'
import { createDispatcher, type Dispatch } from './api/dispatch'
import { createHandlers } from './api/handlers'
import type { AppContext } from './api/context'
import { realParts } from './experiment/real-parts'
import { PlanRunner } from './experiment/plan-runner'
import { ExperimentRunner } from './experiment/runner'
import { JobRunner } from './jobs/runner'
import type { NodeLauncher } from './node-launcher'
import { dataDir } from './paths'
import { PlanStore } from './store/plan-store'
import { SessionStore } from './store/session-store'

export interface App extends AppContext {
  dispatch: Dispatch
  close(): Promise<void>
}

/**
 * Wires the services behind the API. Electron's main process, `mutescope serve` and the CLI's request commands
 * (src/cli/dispatch.ts) all start exactly this.
 */
export function createApp(
  opts: {
    dataDir?: string
    /** Run heavy jobs on the calling thread instead of worker threads (the CLI, which has no window to keep responsive; a bench). */
    inlineJobs?: boolean
  } & (
    | { transport: 'web' | 'cli' }
    // Electron's executable cannot run Node scripts (refvca) as plain Node: its main process says how.
    | { transport: 'electron'; launchNode: NodeLauncher }
  ),
): App {
  const dir = opts.dataDir ?? dataDir()
  const store = SessionStore.open({ dir })
  const events = new EventHub()
  const experiment = new ExperimentRunner(
    store,
    events,
    realParts(dir, opts.transport === 'electron' ? opts.launchNode : undefined),
  )
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
    jobs: new JobRunner({ inline: opts.inlineJobs }),
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
      // An export or import in progress stops and cleans up after itself (a half import is deleted).
      await ctx.jobs.close()
      store.close()
    },
  }
}
