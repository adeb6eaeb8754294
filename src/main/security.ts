import { app, session, type WebContents } from 'electron'
import { APP_ORIGIN } from './ipc'

/** Electron's security checklist, applied once for every web contents the app ever creates. */
export function hardenApp(): void {
  app.enableSandbox()
  const ses = session.defaultSession
  // No camera, microphone, notifications, geolocation...: the UI needs none of them.
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
  app.on('web-contents-created', (_event, contents) => lockDown(contents))
}

function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  // Nothing opens a new window, and nothing is handed to the OS to open: captured data stays in the app.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}
