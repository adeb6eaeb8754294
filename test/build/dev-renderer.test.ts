import type { Browser } from 'playwright-core'
import { createServer, type InlineConfig, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import config from '../../electron.vite.config'
import { APP_ORIGIN, rendererSource } from '../../src/main/renderer-source'
import { launchChromium } from '../support/browser'

describe("the window's page (src/main/renderer-source.ts)", () => {
  const dev = 'http://localhost:5173/'

  it('is the built renderer over app:// unless an unpackaged app is given a dev server', () => {
    const built = { url: `${APP_ORIGIN}/index.html`, origin: APP_ORIGIN, dev: false }
    expect(rendererSource(false, undefined)).toEqual(built)
    expect(rendererSource(true, dev)).toEqual(built)
    expect(rendererSource(false, dev)).toEqual({ url: dev, origin: 'http://localhost:5173', dev: true })
  })

  it('refuses a dev server that is not plain http on loopback', () => {
    for (const url of [
      'http://192.0.2.1:5173/',
      'https://localhost:5173/',
      'file:///tmp/index.html',
      'nonsense',
    ])
      expect(() => rendererSource(false, url)).toThrow(/ELECTRON_RENDERER_URL must be an http:\/\/localhost/)
  })
})

describe('`npm run dev` renderer (electron-vite dev server)', () => {
  let server: ViteDevServer
  let browser: Browser

  beforeAll(async () => {
    const renderer = (config as { renderer: InlineConfig }).renderer
    server = await createServer({
      ...renderer,
      configFile: false,
      logLevel: 'error',
      server: { host: '127.0.0.1', port: 0 },
    })
    await server.listen()
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  // The page's CSP (its meta tag) holds there too: 'self' is the dev server, whose HMR websocket it allows;
  // React Refresh's inline preamble comes before the meta tag, so it runs.
  it("runs React Refresh's preamble and connects for hot reload without breaching the page's CSP", async () => {
    const page = await browser.newPage()
    const refused: string[] = []
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text())
    })
    const connected = page.waitForEvent('console', {
      predicate: (m) => m.text().includes('[vite] connected'),
      timeout: 30_000,
    })
    await page.goto(server.resolvedUrls!.local[0])
    await connected
    // (Strings, evaluated in the page: this file is type-checked without the DOM's types.)
    expect(await page.evaluate('typeof window.$RefreshReg$')).toBe('function')
    // Any other inline script is still refused.
    await page.evaluate(
      "document.head.append(Object.assign(document.createElement('script'), { textContent: 'window.injected = 1' }))",
    )
    expect(await page.evaluate('window.injected')).toBeUndefined()
    expect(refused).toHaveLength(1)
    await page.close()
  })
})
