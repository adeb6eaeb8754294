import { join } from 'node:path'
import { BundleTransfers } from '../store/bundle-transfers'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'
import type { sessionsRequests } from '../../shared/contract/sessions'

export function sessionsHandlers({
  store,
  events,
  dataDir,
  jobs,
}: AppContext): HandlerGroup<typeof sessionsRequests> {
  const transfers = new BundleTransfers(
    store,
    join(dataDir, 'transfers'),
    jobs,
    ({ kind, subject, rows, total }) =>
      events.emit('jobProgress', {
        job: kind === 'export' ? 'exportSession' : 'importSession',
        subject,
        stage: kind === 'export' ? 'rows exported' : 'rows imported',
        done: rows,
        total,
      }),
  )
  return {
    listSessions: ({ search }) => store.listSessions(search),
    getSession: ({ id }) => ({
      session: store.getSession(id),
      telemetry: store.telemetry(id),
      levelWindows: store.levelWindows(id),
      events: store.events(id),
      captureCount: store.count('captures', id),
      levelSecondCount: store.count('level_seconds', id),
      clockOffsets: store.clockOffsets(id),
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
    exportSession: ({ id }) => transfers.startExport(id),
    exportSessionChunk: ({ transferId, offset }) => transfers.readChunk(transferId, offset),
    importSession: ({ bytes, ifDuplicate }) => transfers.startImport(bytes, ifDuplicate === 'ask'),
    importSessionChunk: async ({ transferId, offset, base64 }) => {
      const r = await transfers.writeChunk(transferId, offset, base64)
      if (r.session) events.emit('sessionsChanged', { id: r.session.id, change: 'created' })
      return r
    },
    finishImport: async ({ transferId, import: importIt }) => {
      const r = await transfers.finishImport(transferId, importIt)
      if (r.session) events.emit('sessionsChanged', { id: r.session.id, change: 'created' })
      return r
    },
    exportSessionFile: ({ id, file }) => jobs.run('exportBundle', { db: store.path, sessionId: id, file }),
    importSessionFile: async ({ file }) => {
      const s = await jobs.run('importBundle', { db: store.path, file })
      events.emit('sessionsChanged', { id: s.id, change: 'created' })
      return s
    },
    deleteSessions: ({ ids }) => {
      const deleted = store.deleteSessions(ids)
      for (const id of deleted) events.emit('sessionsChanged', { id, change: 'deleted' })
      return { deleted }
    },
  }
}
