import { isLoopbackHost } from '../core/web/security'

/** The built renderer's origin, served by protocol.ts. */
export const APP_ORIGIN = 'app://mutescope'

/** Where the window's page comes from; only pages of `origin` may navigate, or call the API. */
export interface RendererSource {
  url: string
  origin: string
  /** electron-vite's dev server (`npm run dev`, hot reload) rather than the built renderer. */
  dev: boolean
}

/**
 * The built renderer over app://, except in an unpackaged app started by `electron-vite dev`, which sets
 * ELECTRON_RENDERER_URL to its dev server: then that server, provided it is plain http on loopback (the page
 * gets the whole API). A packaged app ignores the variable, so the environment cannot swap its page.
 */
export function rendererSource(packaged: boolean, devUrl: string | undefined): RendererSource {
  if (packaged || !devUrl) return { url: `${APP_ORIGIN}/index.html`, origin: APP_ORIGIN, dev: false }
  const url = URL.canParse(devUrl) ? new URL(devUrl) : undefined
  if (url?.protocol !== 'http:' || !isLoopbackHost(url.hostname))
    throw new Error(`ELECTRON_RENDERER_URL must be an http://localhost address, got "${devUrl}"`)
  return { url: url.href, origin: url.origin, dev: true }
}
