import type { compareRequests } from '../../shared/contract/compare'
import { compareSessions } from '../analysis/compare'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

export function compareHandlers({ store, planStore }: AppContext): HandlerGroup<typeof compareRequests> {
  return {
    compareSessions: (options) => compareSessions(store, planStore, options),
  }
}
