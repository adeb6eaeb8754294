import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPulse } from '../mic/mic-lab'
import { artifactsDir, launchChromium, openDemoExperiment } from '../support/browser'
import { runCli, startServe } from '../support/helpers'

let browser: Browser
beforeAll(async () => {
  startPulse()
  browser = await launchChromium()
})
afterAll(() => browser?.close())

async function download(page: Page, button: string): Promise<Buffer> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: button }).click(),
  ])
  return readFileSync((await file.path())!)
}

describe('the demo experiment in Chromium (web mode)', () => {
  it(
    'runs live, correlates, exports PNG/SVG/CSV, and reopens after a restart',
    { timeout: 240_000 },
    async () => {
      const demo = await openDemoExperiment(browser, { width: 1400, height: 1100 })
      const { dataDir, page } = demo
      let server = demo.server

      // Live: the counters move and the scatter legend reaches ten pairs for the mean gain.
      await page.getByText(/attached to node/).waitFor({ timeout: 60_000 })
      await page.getByText(/mean gain \(r = -?[\d.]+, n = (1\d|[2-9]\d)\)/).waitFor({ timeout: 150_000 })
      await page.screenshot({ path: join(artifactsDir, 'experiment-live.png'), fullPage: true })
      await page.getByRole('button', { name: 'Stop' }).click()
      await page.getByText(/ended completed \(stopped by the user\)/).waitFor({ timeout: 30_000 })

      await page.getByRole('button', { name: 'Review it' }).click()
      await page.locator('table.stats').waitFor()
      const png = await download(page, 'PNG')
      expect(png.subarray(1, 4).toString()).toBe('PNG')
      const svg = (await download(page, 'SVG')).toString()
      expect(svg).toContain('<svg')
      expect(svg).toMatch(/LAeq/)
      const csv = (await download(page, 'CSV of aligned windows')).toString().trim().split('\n')
      expect(csv.length).toBeGreaterThanOrEqual(11)
      await page.screenshot({ path: join(artifactsDir, 'experiment-review.png'), fullPage: true })
      const sessionUrl = page.url()

      await server.stop()
      server = startServe(dataDir)
      await page.goto((await server.url) + '#/' + sessionUrl.split('#/')[1])
      await page.locator('table.stats').waitFor()
      await page.getByText('completed').first().waitFor()
      await page.screenshot({ path: join(artifactsDir, 'experiment-reopened.png'), fullPage: true })
      await page.close()
      await server.stop()

      // The paper's finding, reproduced on the demo: the gain falls as the played level rises.
      const id = Number(/sessions\/(\d+)/.exec(sessionUrl)![1])
      const corr = JSON.parse(runCli(['correlate', String(id), '--json'], { dataDir }).stdout)
      expect(corr.n).toBeGreaterThanOrEqual(10)
      expect(corr.pearson.mean.r).toBeLessThanOrEqual(-0.9)
    },
  )
})
