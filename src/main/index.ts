import { app as electronApp, BrowserWindow } from 'electron'
import { join } from 'node:path'
import { createApp, type App } from '../core/app'
import { forwardEvents, registerIpc } from './ipc'
import { registerAppScheme, serveRenderer } from './protocol'
import { rendererSource } from './renderer-source'
import { hardenApp } from './security'
import { forkUtility } from './utility-launcher'

registerAppScheme()
const source = rendererSource(electronApp.isPackaged, process.env.ELECTRON_RENDERER_URL)
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
  void win.loadURL(source.url)
}

void electronApp.whenReady().then(() => {
  hardenApp(source.origin)
  if (!source.dev) serveRenderer(join(__dirname, '../renderer'))
  core = createApp({ transport: 'electron', launchNode: forkUtility })
  registerIpc(core, source.origin)
  createWindow(core)
  electronApp.on('activate', () => {
    if (core && BrowserWindow.getAllWindows().length === 0) createWindow(core)
  })
})

electronApp.on('window-all-closed', () => {
  void core?.close().finally(() => electronApp.quit())
})
