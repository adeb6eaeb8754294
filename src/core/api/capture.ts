import type { BackendChoice, captureRequests } from '../../shared/contract/capture'
import type { FridaBackend } from '../capture/backend'
import { mappedTlsLibraries } from '../capture/mapped-tls'
import { groupApplications } from '../capture/process-tree'
import { openBackend } from '../capture/select-backend'
import { UserError } from '../errors'
import type { HandlerGroup } from './handlers'

/** Opens a backend for one request and always closes it: no bridge process lingers between picker refreshes. */
async function withBackend<T>(choice: BackendChoice, fn: (b: FridaBackend) => Promise<T>): Promise<T> {
  const backend = await openBackend(choice)
  try {
    return await fn(backend)
  } finally {
    await backend.close()
  }
}

export function captureHandlers(): HandlerGroup<typeof captureRequests> {
  return {
    listProcesses: ({ host, backend }) =>
      withBackend(backend, async (b) =>
        (await b.listProcesses(host)).sort((x, y) => x.name.localeCompare(y.name) || x.pid - y.pid),
      ),
    listApplications: ({ host, backend }) =>
      withBackend(backend, async (b) => {
        const own = new Set([process.pid, ...(b.pid === undefined ? [] : [b.pid])])
        const list = (await b.listProcesses(host)).filter((p) => !own.has(p.pid))
        return groupApplications(list)
          .map((app) => ({
            name: app.root.name,
            rootPid: app.root.pid,
            processes: app.processes.map((p) => ({ ...p, tls: host ? null : mappedTlsLibraries(p.pid) })),
          }))
          .sort((x, y) => x.name.localeCompare(y.name) || x.rootPid - y.rootPid)
      }),
    captureBackendStatus: async ({ backend }) => {
      try {
        return await withBackend(backend, async (b) => ({
          available: true,
          kind: b.kind,
          version: b.version,
          message: null,
        }))
      } catch (err) {
        if (!(err instanceof UserError)) throw err
        return { available: false, kind: null, version: null, message: err.message }
      }
    },
  }
}
