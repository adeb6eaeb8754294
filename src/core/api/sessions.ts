import { exportBundle, importBundle } from '../store/bundle'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'
import type { sessionsRequests } from '../../shared/contract/sessions'

export function sessionsHandlers({ store, events }: AppContext): HandlerGroup<typeof sessionsRequests> {
  return {
    listSessions: ({ search }) => store.listSessions(search),
    getSession: ({ id }) => ({
      session: store.getSession(id),
      telemetry: store.telemetry(id),
      levelWindows: store.levelWindows(id),
      events: store.events(id),
      captureCount: store.count('captures', id),
      levelSecondCount: store.count('level_seconds', id),
    }),
    createSession: (meta) => {
      const s = store.createSession(meta)
      events.emit('sessionsChanged', { id: s.id, change: 'created' })
      return s
    },
    updateSession: ({ id, patch }) => {
      const s = store.updateMeta(id, patch)
      events.emit('sessionsChanged', { id, change: 'updated' })
      return s
    },
    finishSession: ({ id }) => {
      const s = store.finishSession(id, 'completed')
      events.emit('sessionsChanged', { id, change: 'updated' })
      return s
    },
    deleteSession: ({ id }) => {
      store.deleteSession(id)
      events.emit('sessionsChanged', { id, change: 'deleted' })
      return { deleted: id }
    },
    exportSession: ({ id }) => ({
      fileName: `mutescope-session-${id}.json.gz`,
      base64: exportBundle(store, id).toString('base64'),
    }),
    importSession: ({ base64 }) => {
      const s = importBundle(store, Buffer.from(base64, 'base64'))
      events.emit('sessionsChanged', { id: s.id, change: 'created' })
      return s
    },
  }
}
