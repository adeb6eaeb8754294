import { contextBridge, ipcRenderer } from 'electron'
import {
  eventNames,
  ipcChannel,
  ipcEventChannel,
  requestNames,
  subscribeName,
  type Reply,
} from '../shared/contract'

/**
 * window.mutescope: one method per contract request and one subscribe per event stream, nothing generic, so
 * the page can reach exactly the API and no other IPC channel.
 */
const api: Record<string, unknown> = {}
for (const name of requestNames) {
  api[name] = async (input: unknown) => {
    const reply = (await ipcRenderer.invoke(ipcChannel(name), input)) as Reply
    if (!reply.ok) throw new Error(reply.error.message)
    return reply.result
  }
}
for (const name of eventNames) {
  api[subscribeName(name)] = (listener: (payload: unknown) => void) => {
    const wrapped = (_event: unknown, payload: unknown) => listener(payload)
    ipcRenderer.on(ipcEventChannel(name), wrapped)
    return () => ipcRenderer.removeListener(ipcEventChannel(name), wrapped)
  }
}
contextBridge.exposeInMainWorld('mutescope', api)
