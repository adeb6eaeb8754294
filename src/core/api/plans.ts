import type { plansRequests } from '../../shared/contract/plans'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

export function plansHandlers({ plans, planStore }: AppContext): HandlerGroup<typeof plansRequests> {
  return {
    runPlan: ({ spec }) => plans.start(spec),
    resumePlan: ({ planId }) => plans.resume(planId),
    continuePlan: ({ planId }) => plans.continue(planId),
    stopPlan: ({ planId }) => plans.stop(planId),
    getPlan: ({ planId }) => plans.record(planId),
    listPlans: () => planStore.list(),
  }
}
