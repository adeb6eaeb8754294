import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { startPulse } from '../mic/mic-lab'
import { artifactsDir, launchChromium, openDemoExperiment } from '../support/browser'

let browser: Browser
beforeAll(async () => {
  startPulse()
  browser = await launchChromium()
})
afterAll(() => browser?.close())

const summary =
  /parec \(pid \d+\) via pa_stream_\w+: in (\d+) s muted, the app read (\d+) s of audio from the microphone \(([\d.]+) reads\/s\), RMS \u2212([\d.]+) dBFS/

/** The muted-reads sentence once it says the app read at least `seconds` s while muted. */
async function readWhileMuted(page: Page, seconds: number): Promise<RegExpExecArray> {
  const list = page.getByRole('list', { name: 'What the app read while muted' })
  await expect
    .poll(async () => Number(summary.exec((await list.textContent()) ?? '')?.[2] ?? 0), {
      timeout: 90_000,
      interval: 500,
    })
    .toBeGreaterThanOrEqual(seconds)
  return summary.exec((await list.textContent()) ?? '')!
}

describe('the mic-access lane of the demo experiment in Chromium (web mode)', () => {
  it(
    'shows refvca reading the microphone live, marks muted intervals with Mute and M, and reviews them',
    { timeout: 300_000 },
    async () => {
      const { dataDir, server, page } = await openDemoExperiment(browser, { width: 1400, height: 1400 })
      try {
        // Live: refvca's microphone reader is attached and its reads draw the lane.
        await page.getByText(/attached to parec \(pid \d+\)/).waitFor({ timeout: 90_000 })
        const lane = page.getByRole('figure', { name: 'Mic-access lane' })
        await lane.getByText(/parec \d+ · pa_stream_\w+ reads\/s/).waitFor({ timeout: 60_000 })

        const mute = page.getByRole('button', { name: 'Mute', exact: true })
        expect(await mute.getAttribute('title')).toMatch(/\(M\)$/)
        await mute.click()
        const unmute = page.getByRole('button', { name: 'Unmute', exact: true })
        await unmute.waitFor()
        expect(await unmute.getAttribute('aria-pressed')).toBe('true')
        await page.getByLabel('Muted intervals').getByText(/–now/).waitFor()
        // refvca never stops listening: the muted seconds fill with reads of the played episode.
        const live = await readWhileMuted(page, 4)
        expect(Number(live[3])).toBeGreaterThan(10)
        await page.screenshot({ path: join(artifactsDir, 'mic-access-live-muted.png'), fullPage: true })

        // The shortcut unmutes, closing the interval, and mutes again.
        await page.keyboard.press('m')
        await mute.waitFor()
        await page
          .getByLabel('Muted intervals')
          .getByText(/\(\d+ s\)$/)
          .waitFor()
        await page.keyboard.press('m')
        await unmute.waitFor()
        await expect.poll(() => lane.locator('.muted-interval').count(), { timeout: 20_000 }).toBe(2)
        // Played audio to audio the app took in: enough 5 s intervals to correlate the RMS it read.
        const micStats = page.getByRole('table', { name: 'App-read RMS against played LAeq' })
        await expect
          .poll(async () => Number(await micStats.locator('tbody td').nth(1).textContent()), {
            timeout: 120_000,
            interval: 1000,
          })
          .toBeGreaterThanOrEqual(5)
        await page.screenshot({ path: join(artifactsDir, 'mic-access-live.png'), fullPage: true })

        // Stopped while muted: the second interval ends with the session.
        await page.getByRole('button', { name: 'Stop' }).click()
        await page.getByText(/ended completed \(stopped by the user\)/).waitFor({ timeout: 60_000 })
        await page.getByRole('button', { name: 'Review it' }).click()
        await page.getByRole('heading', { name: 'Microphone access' }).waitFor({ timeout: 30_000 })
        const reviewed = await readWhileMuted(page, 4)
        expect(Number(reviewed[2])).toBeLessThanOrEqual(Number(reviewed[1]) + 1)
        await page
          .getByRole('figure', { name: 'Mic-access lane' })
          .locator('.muted-interval')
          .first()
          .waitFor()
        const r = await page
          .getByRole('table', { name: 'App-read RMS against played LAeq' })
          .locator('tbody td')
          .nth(2)
          .textContent()
        expect(Number(r)).toBeGreaterThan(0.9)
        await page.screenshot({ path: join(artifactsDir, 'mic-access-review.png'), fullPage: true })

        // Edited in review: the second interval goes, the first ends a second earlier.
        const id = Number(/sessions\/(\d+)/.exec(page.url())![1])
        const store = SessionStore.open({ dir: dataDir })
        const [first, second] = store.muteIntervals(id)
        const session = store.getSession(id)
        expect(second.end).toBe(session.endedAt)
        await page.getByRole('button', { name: 'Remove muted interval 2' }).click()
        const end = page.getByLabel('End of muted interval 1 (s)')
        const edited = Number(await end.inputValue()) - 1
        await end.fill(edited.toFixed(1))
        await page.getByRole('button', { name: 'Save muted intervals' }).click()
        const saved = page.getByRole('form', { name: 'Muted intervals' }).getByRole('status')
        await expect.poll(() => saved.textContent(), { timeout: 30_000 }).toBe('Saved')
        // The save reloads the intervals, which remounts the editor with them: "Saved" must stay (it flashed).
        await page.waitForTimeout(2000)
        expect(await saved.textContent()).toBe('Saved')
        expect(store.muteIntervals(id)).toEqual([
          { start: first.start, end: session.startedAt + Math.round(edited * 1000) },
        ])
        // A bad edit is refused with the fix, and nothing changes.
        await page.getByLabel('Start of muted interval 1 (s)').fill('-5')
        await page.getByRole('button', { name: 'Save muted intervals' }).click()
        await page.getByText(/starts before the session did; start it at 0 s or later/).waitFor()
        expect(store.muteIntervals(id)).toHaveLength(1)

        const [csvFile] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('button', { name: 'Mic-access CSV' }).click(),
        ])
        const csv = readFileSync((await csvFile.path())!, 'utf8')
          .trimEnd()
          .split('\r\n')
        expect(csv[0]).toBe('t,time_iso,pid,process,api,reads,frames,bytes,rms_dbfs,peak_dbfs,muted')
        expect(csv.filter((l) => /,parec,pa_stream_\w+,.*,1$/.test(l)).length).toBeGreaterThanOrEqual(3)
        expect(store.micAccess(id).length).toBe(csv.length - 1)
        store.close()
      } finally {
        await page.close()
        await server.stop()
      }
    },
  )
})
