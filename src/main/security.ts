import { app, session, type WebContents } from 'electron'

/**
 * Electron's security checklist, applied once for every web contents the app ever creates. Pages may only
 * navigate within `origin`, the renderer's (see renderer-source.ts).
 */
export function hardenApp(origin: string): void {
  app.enableSandbox()
  const ses = session.defaultSession
  // No camera, microphone, notifications, geolocation...: the UI needs none of them.
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
  app.on('web-contents-created', (_event, contents) => lockDown(contents, origin))
}

function lockDown(contents: WebContents, origin: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${origin}/`)) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(`${origin}/`)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  // Nothing opens a new window, and nothing is handed to the OS to open: captured data stays in the app.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}
