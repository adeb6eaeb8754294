import type { experimentRequests } from '../../shared/contract/experiment'
import { demoPlan } from '../experiment/demo'
import { captureView } from '../experiment/inspect'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

export function experimentHandlers({
  store,
  experiment,
}: AppContext): HandlerGroup<typeof experimentRequests> {
  return {
    experimentState: () => experiment.current(),
    startExperiment: (plan) => experiment.start(plan),
    stopExperiment: () => experiment.stop(),
    pauseExperiment: ({ paused }) => experiment.pause(paused),
    muteExperiment: ({ muted }) => experiment.mute(muted),
    demoPlan: () => demoPlan(),
    listCaptures: ({ sessionId, offset, limit }) => {
      store.getSession(sessionId)
      return {
        total: store.count('captures', sessionId),
        captures: store.captures(sessionId, offset, limit).map((c, i) => captureView(c, offset + i)),
      }
    },
  }
}
