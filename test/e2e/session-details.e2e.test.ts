import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/core/app'
import { SessionStore } from '../../src/core/store/session-store'
import { launchChromium } from '../support/browser'
import { runCli, startServe, tempDir } from '../support/helpers'

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(() => browser?.close())

/** Two finished sessions with every metadata field set, as a recorded experiment leaves them. */
function seed(dataDir: string): [number, number] {
  const store = SessionStore.open({ dir: dataDir })
  const ids = (['music', 'noise removal'] as const).map((micMode, i) => {
    const s = store.createSession({
      name: `Run ${i + 1}`,
      targetApp: 'Webex',
      micMode,
      distanceCm: 25 * (i + 1),
      activity: 'tv',
      episodes: [`/episodes/friends-${i + 1}.opus`],
      notes: `first notes ${i + 1}`,
      profile: 'webex',
      intervalS: 5,
    })
    return store.finishSession(s.id, 'completed').id
  })
  store.close()
  return [ids[0], ids[1]]
}

function show(dataDir: string, id: number): Record<string, unknown> {
  const r = runCli(['sessions', 'show', String(id), '--json'], { dataDir })
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as Record<string, unknown>
}

async function saveNotes(page: Page, text: string): Promise<void> {
  await page.getByLabel('Notes').fill(text)
  await page.getByRole('button', { name: 'Save details' }).click()
  await page.getByRole('status').getByText('Saved').waitFor()
}

describe('session details in Chromium (web mode)', () => {
  it('saving an edit of the notes leaves every other field as it was', async () => {
    const dataDir = tempDir()
    const [id] = seed(dataDir)
    const before = show(dataDir, id)
    const server = startServe(dataDir)
    const page = await browser.newPage()
    try {
      await page.goto((await server.url) + `#/sessions/${id}`)
      await page.getByRole('heading', { name: 'Run 1' }).waitFor()
      await saveNotes(page, 'only the notes change')
      const after = show(dataDir, id)
      expect(after).toEqual({ ...before, notes: 'only the notes change' })
      expect(after).toMatchObject({
        episodes: ['/episodes/friends-1.opus'],
        profile: 'webex',
        intervalS: 5,
      })
    } finally {
      await page.close()
      await server.stop()
    }
  })

  it('going to another session by URL shows that session in the form, and saves to it', async () => {
    const dataDir = tempDir()
    const [first, second] = seed(dataDir)
    const untouched = show(dataDir, second)
    const server = startServe(dataDir)
    const page = await browser.newPage()
    try {
      await page.goto((await server.url) + `#/sessions/${second}`)
      await page.getByRole('heading', { name: 'Run 2' }).waitFor()
      expect(await page.getByLabel('Microphone mode').inputValue()).toBe('noise removal')
      // No reload: only the hash changes, as the back button or a link does.
      await page.evaluate(`location.hash = '#/sessions/${first}'`)
      await page.getByRole('heading', { name: 'Run 1' }).waitFor()
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Run 1')
      expect(await page.getByLabel('Microphone mode').inputValue()).toBe('music')
      expect(await page.getByLabel('Speaker–mic distance (cm)').inputValue()).toBe('25')
      expect(await page.getByLabel('Notes').inputValue()).toBe('first notes 1')
      await saveNotes(page, 'edited in session 1')
      expect(show(dataDir, first)).toMatchObject({ name: 'Run 1', micMode: 'music', distanceCm: 25 })
      expect(show(dataDir, first).notes).toBe('edited in session 1')
      expect(show(dataDir, second)).toEqual(untouched)
    } finally {
      await page.close()
      await server.stop()
    }
  })
})

describe('updateSession through the API', () => {
  it('writes only the fields its patch names', async () => {
    const app = createApp({ dataDir: tempDir(), transport: 'web' })
    try {
      const s = app.store.createSession({ name: 'a', episodes: ['e.opus'], profile: 'webex', intervalS: 5 })
      const reply = await app.dispatch('updateSession', { id: s.id, patch: { notes: 'n' } })
      expect(reply).toEqual({ ok: true, result: { ...s, notes: 'n' } })
      const refused = await app.dispatch('updateSession', { id: s.id, patch: { status: 'failed' } })
      expect(refused.ok).toBe(false)
      expect(app.store.getSession(s.id)).toEqual({ ...s, notes: 'n' })
    } finally {
      await app.close()
    }
  })
})
