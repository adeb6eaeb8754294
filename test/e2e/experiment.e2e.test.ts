import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPulse } from '../mic/mic-lab'
import { artifactsDir, launchChromium, openDemoExperiment } from '../support/browser'
import { runCli, startServe, tempDir } from '../support/helpers'

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

describe('the experiment form in Chromium (web mode)', () => {
  it('does not merge its defaults into what is being typed', { timeout: 60_000 }, async () => {
    const dataDir = tempDir()
    runCli(['settings', '--calibration', '94'], { dataDir })
    const server = startServe(dataDir)
    const page = await browser.newPage()
    try {
      // The defaults' replies (demo episode, default calibration) are held until the researcher has entered
      // both empty fields.
      let release!: () => void
      const held = new Promise<void>((r) => (release = r))
      let delivered = 0
      await page.routeWebSocket(/\/api\?token=/, (ws) => {
        const upstream = ws.connectToServer()
        const defaults = new Set<number>()
        ws.onMessage((m) => {
          const msg = JSON.parse(String(m)) as { id: number; method: string }
          if (msg.method === 'demoPlan' || msg.method === 'getSettings') defaults.add(msg.id)
          upstream.send(m)
        })
        upstream.onMessage(async (m) => {
          const msg = JSON.parse(String(m)) as { id?: number }
          if (msg.id !== undefined && defaults.has(msg.id)) await held.then(() => delivered++)
          ws.send(m)
        })
      })
      await page.goto((await server.url) + '#/experiment')
      const form = page.getByRole('form', { name: 'Experiment plan' })
      const episodes = form.getByLabel('Episodes (one file per line)')
      const calibration = form.getByLabel('Calibration offset (dB, empty: levels in dBFS)')
      await episodes.click()
      await calibration.click()
      release()
      await expect.poll(() => delivered).toBe(2)
      await page.evaluate(() => new Promise((r) => setTimeout(r, 200)))
      await calibration.pressSequentially('90')
      await episodes.pressSequentially('/episodes/one.wav')
      expect(await episodes.inputValue()).toBe('/episodes/one.wav')
      expect(await calibration.inputValue()).toBe('90')
    } finally {
      await page.close()
      await server.stop()
    }
  })
})
