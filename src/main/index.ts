import { app as electronApp, BrowserWindow } from 'electron'
import { join } from 'node:path'
import { createApp, type App } from '../core/app'
import { APP_ORIGIN, forwardEvents, registerIpc } from './ipc'
import { registerAppScheme, serveRenderer } from './protocol'
import { hardenApp } from './security'

registerAppScheme()
let core: App | undefined

function createWindow(app: App): void {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'MuteScope',
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click must not open links in new windows.
      disableBlinkFeatures: 'Auxclick',
    },
  })
  forwardEvents(app, win.webContents)
  void win.loadURL(`${APP_ORIGIN}/index.html`)
}

void electronApp.whenReady().then(() => {
  hardenApp()
  serveRenderer(join(__dirname, '../renderer'))
  core = createApp({ transport: 'electron' })
  registerIpc(core)
  createWindow(core)
  electronApp.on('activate', () => {
    if (core && BrowserWindow.getAllWindows().length === 0) createWindow(core)
  })
})

electronApp.on('window-all-closed', () => {
  void core?.close().finally(() => electronApp.quit())
})
