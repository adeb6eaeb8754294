import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import { ipcChannel, ipcEventChannel, requestNames, type Reply } from '../shared/contract'
import type { App } from '../core/app'

/** Only our own top-level page (of `origin`) may call the API: not an iframe, not a page navigated elsewhere. */
function trustedSender(event: IpcMainInvokeEvent, origin: string): boolean {
  const frame = event.senderFrame
  return !!frame && frame === event.sender.mainFrame && frame.url.startsWith(`${origin}/`)
}

/** One ipcMain handler per contract request, each running the shared validating dispatcher. */
export function registerIpc(app: App, origin: string): void {
  for (const name of requestNames) {
    ipcMain.handle(ipcChannel(name), (event, payload: unknown): Promise<Reply> | Reply => {
      if (!trustedSender(event, origin)) {
        return { ok: false, error: { message: 'request refused: untrusted sender', code: 'forbidden' } }
      }
      return app.dispatch(name, payload)
    })
  }
}

/** Forwards every core event to the given window. */
export function forwardEvents(app: App, contents: WebContents): () => void {
  const unsubscribe = app.events.subscribe((name, payload) => {
    if (!contents.isDestroyed()) contents.send(ipcEventChannel(name), payload)
  })
  contents.once('destroyed', unsubscribe)
  return unsubscribe
}
