import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { artifactsDir, launchChromium } from '../support/browser'
import { referenceData, startServe, tempDir } from '../support/helpers'

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(() => browser?.close())

describe('Classifier page in Chromium (web mode)', () => {
  it('shows the dataset, trains with live progress, shows results beside the paper and classifies a session', async () => {
    const dataDir = tempDir()
    const store = SessionStore.open({ dir: dataDir })
    const id = store.createSession({ name: 'muted kitchen call', activity: 'cooking or eating' }).id
    store.appendTelemetry(
      id,
      Array.from({ length: 5 }, (_, i) => ({
        t: 60_000 * (i + 1),
        host: 'h',
        path: '/metric/v1',
        conn: 'c',
        fields: { audioMaxGain: 37, audioMeanGain: 27, audioMinGain: 14 + i },
      })),
    )
    store.close()
    const server = startServe(dataDir)
    const page = await browser.newPage()
    await page.goto((await server.url) + '#/classifier')
    await page.getByRole('heading', { name: 'Classifier' }).waitFor()
    // No data folder yet: the error names the fix.
    await page.getByText(/"mutescope data fetch", or choose the data folder that holds them/).waitFor()

    await page.getByLabel(/Data folder/).fill(join(referenceData, 'paper-gains'))
    const summary = page.getByRole('table', { name: 'Minutes and clips per class and set' })
    await summary.getByRole('cell', { name: '3403', exact: true }).waitFor()

    const train = page.getByRole('region', { name: 'Training' })
    await train.getByLabel('Window (minutes)').selectOption('3')
    await train.getByLabel('Epochs').fill('30')
    await train.getByRole('button', { name: 'Train' }).click()
    await train.getByText(/epoch 30 of 30/).waitFor({ timeout: 60_000 })
    const results = page.getByRole('region', { name: /Results of n3-b500-s1-random-/ })
    await results.waitFor({ timeout: 30_000 })
    const beside = results.getByRole('table', { name: 'Results beside the paper' })
    await expect(
      beside.getByRole('row', { name: /Validation precision \(weighted\)/ }).textContent(),
    ).resolves.toMatch(/%92\.26%$/)
    expect(await results.getByRole('table', { name: /Confusion matrix/ }).count()).toBe(3)
    await page
      .getByRole('table', { name: 'Comparison across window sizes' })
      .getByText('n=3 random')
      .waitFor()
    await page.screenshot({ path: join(artifactsDir, 'classifier-results.png'), fullPage: true })

    const live = page.getByRole('region', { name: 'What a session reveals' })
    await live.getByLabel('Session').selectOption(String(id))
    await live.getByRole('button', { name: 'Classify latest minutes' }).click()
    await live.getByText(/Inferred background activity: .* from the last 3 of 5 minutes/).waitFor()
    await page.screenshot({ path: join(artifactsDir, 'classifier-live.png'), fullPage: true })

    await page.getByRole('table', { name: 'Saved models' }).getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('button', { name: 'Delete model' }).click()
    await page.getByText('No model yet: train one above.').waitFor()
    await page.close()
    await server.stop()
  }, 180_000)
})
