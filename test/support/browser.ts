import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Download, type Page } from 'playwright-core'
import { repoRoot, startServe, tempDir } from './helpers'

export const artifactsDir = join(repoRoot, 'test-artifacts')

/** Debian's Chromium, headless, with no background traffic (this machine has no network). */
export function launchChromium(): Promise<Browser> {
  mkdirSync(artifactsDir, { recursive: true })
  return chromium.launch({
    executablePath: process.env.MUTESCOPE_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  })
}

/** Waits for `n` downloads started by `action`, bounded. */
export async function downloads(page: Page, n: number, action: () => Promise<void>) {
  const got: Download[] = []
  const all = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${got.length} of ${n} downloads within 30 s`)),
      30_000,
    )
    page.on('download', (d) => {
      got.push(d)
      if (got.length === n) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  await action()
  await all
  return Promise.all(
    got.map(async (d) => ({ name: d.suggestedFilename(), bytes: readFileSync((await d.path())!) })),
  )
}

/**
 * `mutescope serve` on a new data folder and a page of it with the demo experiment started from the
 * Experiment page, as the live e2e tests begin; the page and the server are closed again if it fails.
 */
export async function openDemoExperiment(browser: Browser, viewport: { width: number; height: number }) {
  const dataDir = tempDir()
  const server = startServe(dataDir)
  const page = await browser.newPage({ viewport, acceptDownloads: true })
  try {
    await page.goto((await server.url) + '#/experiment')
    await page.getByRole('button', { name: 'Demo experiment' }).click()
  } catch (err) {
    await page.close()
    await server.stop()
    throw err
  }
  return { dataDir, server, page }
}
