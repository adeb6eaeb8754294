import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { artifactsDir, launchChromium } from '../support/browser'
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

  it('shows an error state, not a blank page, when the token is wrong', async () => {
    const server = startServe(tempDir())
    const page = await browser.newPage()
    await page.goto((await server.url).replace(/token=.*/, 'token=wrong') + '#/sessions')
    await page
      .getByRole('alert')
      .getByText(/cannot reach the MuteScope server/)
      .waitFor()
    await page.close()
    await server.stop()
  })
})
