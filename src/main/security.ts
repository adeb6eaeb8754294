import { app, session, shell, type WebContents } from 'electron'
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
  contents.setWindowOpenHandler(({ url }) => {
    // Documentation links open in the user's browser; nothing opens inside the app.
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
}
