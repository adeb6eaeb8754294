import type { micReviewRequests } from '../../shared/contract/mic-review'
import { exportMicAccess } from '../analysis/mic-export'
import { micReview } from '../analysis/mic-review'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

export function micReviewHandlers({ store, events }: AppContext): HandlerGroup<typeof micReviewRequests> {
  return {
    micReview: ({ id, ...opts }) => micReview(store, id, opts),
    setMuteIntervals: ({ id, intervals }) => {
      const saved = store.setMuteIntervals(id, intervals)
      events.emit('sessionsChanged', { id, change: 'updated' })
      return { intervals: saved }
    },
    exportMicAccess: ({ id, format }) => {
      store.getSession(id)
      return exportMicAccess(store, id, format)
    },
  }
}
