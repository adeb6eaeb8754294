import { randomBytes } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportBundle } from '../../src/core/store/bundle'
import { SessionStore } from '../../src/core/store/session-store'
import { bundleChunkBytes } from '../../src/shared/contract/sessions'
import { artifactsDir, launchChromium } from '../support/browser'
import { captureOf } from '../support/captures'
import { startServe, tempDir } from '../support/helpers'

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(() => browser?.close())

describe('Sessions page in Chromium (web mode)', () => {
  it('creates a session, survives a server restart, opens and deletes it', async () => {
    const dataDir = tempDir()
    let server = startServe(dataDir)
    const page = await browser.newPage()
    await page.goto((await server.url) + '#/sessions')
    await expect(page.getByRole('heading', { name: 'Sessions' }).textContent()).resolves.toBe('Sessions')
    await page.getByText('No sessions yet').waitFor()

    // Create through the UI, from the keyboard where a user would.
    await page.getByRole('button', { name: 'New session' }).click()
    await page.getByLabel('Name').fill('Muted Webex, Friends S01E01')
    await page.getByLabel('App').fill('Webex 41.12')
    await page.getByLabel('Notes').fill('e2e')
    await page.getByLabel('Name').press('Enter')
    await page.getByRole('heading', { name: 'Muted Webex, Friends S01E01' }).waitFor()
    await page.screenshot({ path: join(artifactsDir, 'session-created.png') })

    await server.stop()
    server = startServe(dataDir)
    await page.goto((await server.url) + '#/sessions')
    const link = page.getByRole('button', { name: 'Muted Webex, Friends S01E01' })
    await link.waitFor()
    await page.getByLabel('Search sessions').fill('nothing like it')
    await page.getByText('No session matches').waitFor()
    await page.getByLabel('Search sessions').fill('friends')
    await link.focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Muted Webex, Friends S01E01' }).waitFor()
    expect(await page.getByLabel('App', { exact: true }).inputValue()).toBe('Webex 41.12')
    await page.screenshot({ path: join(artifactsDir, 'session-open.png') })

    await page.getByRole('button', { name: 'Delete' }).click()
    const dialog = page.getByRole('alertdialog')
    await dialog.getByText('Delete this session?').waitFor()
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    await page.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('button', { name: 'Delete session' }).click()
    await page.getByLabel('Search sessions').fill('')
    await page.getByText('No sessions yet').waitFor()
    await page.close()
    await server.stop()
  })

  it('takes the token out of the address bar, and says when a link lacks a valid one', async () => {
    const server = startServe(tempDir())
    const url = await server.url
    const page = await browser.newPage()
    await page.goto(url + '#/sessions')
    await page.getByText('No sessions yet').waitFor()
    expect(page.url()).not.toContain('token')
    await page.goBack() // no history entry holds the token either
    expect(page.url()).toBe('about:blank')
    await page.goForward()
    expect(page.url()).not.toContain('token')
    await page.reload() // the tab still has it
    await page.getByText('No sessions yet').waitFor()
    for (const link of [url.replace(/token=.*/, 'token=wrong'), url.replace(/\?token=.*/, '')]) {
      const other = await browser.newPage()
      await other.goto(link + '#/sessions')
      await other
        .getByRole('alert')
        .getByText('this link lacks a valid token: open the URL that `mutescope serve` printed')
        .waitFor()
      await other.close()
    }
    await page.close()
    await server.stop()
  })

  it('imports and exports a bundle larger than one chunk through the page', async () => {
    const dataDir = tempDir()
    const store = SessionStore.open({ dir: dataDir })
    const id = store.createSession({ name: 'Chunked bundle' }).id
    store.appendCaptures(
      id,
      Array.from({ length: 3 }, (_, t) => captureOf(new Uint8Array(randomBytes(3 * 1024 * 1024)), { t })),
    )
    store.finishSession(id, 'completed')
    const bundle = join(tempDir(), 'in.jsonl.gz')
    await exportBundle(store, id, bundle)
    store.deleteSession(id)
    store.close()
    expect(statSync(bundle).size).toBeGreaterThan(2 * bundleChunkBytes)

    const server = startServe(dataDir)
    const page = await browser.newPage()
    await page.goto((await server.url) + '#/sessions')
    await page.getByText('No sessions yet').waitFor()
    await page.getByLabel('Session bundle to import').setInputFiles(bundle)
    await page.getByRole('heading', { name: 'Chunked bundle' }).waitFor()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export bundle' }).click(),
    ])
    const out = join(tempDir(), 'out.jsonl.gz')
    await download.saveAs(out)
    const lines = (file: string) => gunzipSync(readFileSync(file)).toString().split('\n').slice(1)
    expect(lines(out)).toEqual(lines(bundle)) // the same rows, whatever the export time in the header
    await page.close()
    await server.stop()
  })
})
