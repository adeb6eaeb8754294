import type { Output } from '../../shared/contract'
import type { PlanRunner } from '../experiment/plan-runner'
import type { ExperimentRunner } from '../experiment/runner'
import type { JobRunner } from '../jobs/runner'
import type { PlanStore } from '../store/plan-store'
import type { SessionStore } from '../store/session-store'
import type { EventHub } from './event-hub'

/** What every request handler can reach. Long-lived services are added here as they appear. */
export interface AppContext {
  store: SessionStore
  events: EventHub
  dataDir: string
  /** Which transport serves the API. */
  transport: Output<'appInfo'>['transport']
  experiment: ExperimentRunner
  /** Experiment plans: their queue runs on `experiment`, one run at a time. */
  plans: PlanRunner
  planStore: PlanStore
  /** Heavy jobs (bundles, training, egress proofs, bulk decoding), on worker threads. */
  jobs: JobRunner
}
