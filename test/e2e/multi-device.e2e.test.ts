import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import {
  lostAndBack,
  syntheticStartT as start,
  twoDevices,
  writeMultiDeviceSession,
} from '../analysis/synthetic-session'
import { artifactsDir, launchChromium } from '../support/browser'
import { runCli, startServe, tempDir } from '../support/helpers'

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(() => browser?.close())

const intervalS = 5
const records = 24
/** The lab device's reports that its lost link swallowed. */
const lostReports = [10, 11, 12]

/**
 * A finished two-device experiment as the runner leaves it: refvca on this computer and an app on the lab
 * device "lab", both reporting gains that follow the played level (each with its own slope), the lab's link
 * cut for three of its reports (a device-lost → device-back pair), and the lab's clock offset.
 */
function seed(dataDir: string): { id: number } {
  // Lost just after its last report before the cut, back just before its first after it.
  const since = start + 400 + lostReports[0] * intervalS * 1000 + 1000
  const store = SessionStore.open({ dir: dataDir })
  try {
    return writeMultiDeviceSession(store, {
      seed: 15,
      intervalS,
      reports: records,
      devices: [twoDevices.local, { ...twoDevices.lab, lost: lostReports }],
      events: lostAndBack(since, (lostReports.length * intervalS - 1) * 1000),
      clocks: [{ device: 'lab', offsetMs: 12.5, uncertaintyMs: 0.8, samples: 5, measuredAt: start - 4000 }],
    })
  } finally {
    store.close()
  }
}

/** The Pearson r of a row's cell "r [lo, hi], p …". */
const rOf = (cell: string) => Number(cell.trim().split(' ')[0].replace('−', '-'))

describe('a multi-device session in Chromium (web mode)', () => {
  it('draws one series per device, breaks and marks the lost device’s gap, and gives r per device', async () => {
    const dataDir = tempDir()
    const { id } = seed(dataDir)
    const server = startServe(dataDir)
    const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } })
    try {
      await page.goto((await server.url) + `#/sessions/${id}`)
      const chart = page.getByRole('figure', { name: 'Gains and played level over time' })
      await chart.locator('.recharts-legend-item').first().waitFor()
      // The legend lists its entries by name.
      expect(await chart.locator('.recharts-legend-item-text').allTextContents()).toEqual([
        'LAeq,1s',
        'mean gain, lab',
        'mean gain, this computer',
      ])

      // The gap: shaded and named on the chart, told in words below it.
      await expect.poll(() => chart.locator('.device-gap').count()).toBe(1)
      expect(await chart.getByText('lab lost', { exact: true }).count()).toBe(1)
      expect(await page.getByLabel('Device gaps').textContent()).toMatch(
        /^Lost: lab · pid 42 .+–.+ \(14 s\)$/,
      )

      // r per device, in the colours the chart draws them, with the lab's clock offset.
      const table = page.getByRole('table', { name: 'Correlation per device' })
      await table.waitFor({ timeout: 30_000 })
      const rows = table.locator('tbody tr')
      const names = await rows.locator('th').allTextContents()
      expect(names.map((n) => n.trim())).toEqual(['this computer · refvca', 'lab · pid 42'])
      for (const row of await rows.all()) {
        const mean = (await row.locator('td').nth(3).textContent()) ?? ''
        expect(rOf(mean)).toBeLessThanOrEqual(-0.9)
      }
      const lab = rows.nth(1)
      expect(await lab.locator('td').nth(5).textContent()).toBe('+12.5 ± 0.8 ms (5 round trips)')
      expect(await lab.locator('td').nth(6).textContent()).toMatch(/\(14 s\)$/)
      expect(await rows.nth(0).locator('td').nth(6).textContent()).toBe('none')
      const differences = page.getByRole('table', { name: 'Differences between devices' })
      expect(await differences.locator('tbody tr').count()).toBe(3)

      // No line crosses the gap: the lab's line is two runs, this computer's one.
      const colors = await rows
        .locator('.swatch')
        .evaluateAll((els) =>
          els.map((e) => e.ownerDocument.defaultView!.getComputedStyle(e).backgroundColor),
        )
      expect(colors[0]).not.toBe(colors[1])
      const runs = async (i: number) => {
        const stroke = await chart
          .locator('path.recharts-line-curve')
          .evaluateAll(
            (els, want) =>
              els
                .find((e) => e.ownerDocument.defaultView!.getComputedStyle(e).stroke === want)
                ?.getAttribute('d') ?? '',
            colors[i],
          )
        return stroke.split('M').length - 1
      }
      expect(await runs(0)).toBe(1)
      expect(await runs(1)).toBe(2)
      await page.screenshot({ path: join(artifactsDir, 'multi-device-review.png'), fullPage: true })
    } finally {
      await page.close()
      await server.stop()
    }
  })

  it('the experiment and plan forms take targets on the registered devices, each checked', async () => {
    const dataDir = tempDir()
    const added = runCli(
      ['devices', 'add', 'portal', 'lab', '--address', '127.0.0.1:27052', '--token', 't'],
      {
        dataDir,
      },
    )
    expect(added.status, added.stderr).toBe(0)
    const server = startServe(dataDir)
    const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } })
    try {
      await page.goto((await server.url) + '#/experiment')
      const form = page.getByRole('form', { name: 'Experiment plan' })
      await form.getByRole('button', { name: 'Add a target on another device' }).click()
      const row = form.getByRole('group', { name: 'Target 1' })
      const device = row.getByLabel('Device')
      await expect.poll(() => device.locator('option').allTextContents()).toEqual(['this computer', 'lab'])
      expect(await device.inputValue()).toBe('lab')
      await row.getByLabel('Find the app by').selectOption('pid')
      await row.getByRole('textbox', { name: 'Process id' }).fill('4.5')
      await form.getByRole('button', { name: 'Start' }).click()
      expect(await row.getByRole('alert').textContent()).toBe(
        'A process id is a whole number above 0, e.g. 4242.',
      )
      expect(await row.getByRole('textbox', { name: 'Process id' }).getAttribute('aria-invalid')).toBe('true')
      await form.screenshot({ path: join(artifactsDir, 'multi-device-form.png') })
      // Nothing started: the form is still there, and removing the row leaves none.
      await row.getByRole('button', { name: 'Remove target 1' }).click()
      expect(await form.getByRole('group', { name: /^Target \d/ }).count()).toBe(0)

      // A plan file's targets fill the plan form's rows.
      await page.goto((await server.url) + '#/plans')
      await page.getByRole('button', { name: 'New plan' }).click()
      const plan = {
        name: 'two devices',
        target: 'refvca',
        episodes: ['/episodes/a.opus'],
        conditions: [{ meta: { micMode: 'music' } }],
        targets: [{ device: 'lab', target: 4242 }],
      }
      await page.getByLabel('Load a plan file (JSON)').setInputFiles({
        name: 'plan.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(plan)),
      })
      const loaded = page
        .getByRole('form', { name: 'Experiment plan' })
        .getByRole('group', { name: 'Target 1' })
      await loaded.waitFor()
      expect(await loaded.getByLabel('Device').inputValue()).toBe('lab')
      expect(await loaded.getByLabel('Find the app by').inputValue()).toBe('pid')
      expect(await loaded.getByRole('textbox', { name: 'Process id' }).inputValue()).toBe('4242')
    } finally {
      await page.close()
      await server.stop()
    }
  })
})
