import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlanStore } from '../../src/core/store/plan-store'
import { SessionStore } from '../../src/core/store/session-store'
import { planSpec } from '../../src/shared/contract/plans'
import { writeSyntheticSession } from '../analysis/synthetic-session'
import { startPulse, steppedNoise } from '../mic/mic-lab'
import { artifactsDir, launchChromium } from '../support/browser'
import { runCli, startServe, tempDir } from '../support/helpers'

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(() => browser?.close())

/** A finished plan of 2 conditions × 2 repeats whose runs are synthetic sessions, and one failed session. */
function seed(dataDir: string): { planId: number; sessions: number[]; failed: number } {
  const store = SessionStore.open({ dir: dataDir })
  const sessions = [21, 22, 23, 24].map((seed, i) => {
    const s = writeSyntheticSession(store, { intervalS: 5, records: 10, lagS: 0, seed })
    store.updateMeta(s.id, { name: `run ${i + 1}`, micMode: i < 2 ? 'music' : 'noise-removal' })
    return s.id
  })
  const plans = new PlanStore(store)
  const spec = planSpec.parse({
    name: 'Fig. 7 vs Fig. 11',
    target: 'refvca',
    episodes: ['/episodes/friends.opus'],
    repeats: 2,
    conditions: [
      { meta: { micMode: 'music' }, refvca: { mode: 'music' } },
      { meta: { micMode: 'noise-removal' }, refvca: { mode: 'noise-removal' } },
    ],
  })
  const planId = plans.create(
    spec,
    [0, 0, 1, 1].map((condition, i) => ({ condition, repeat: (i % 2) + 1, episode: spec.episodes[0] })),
  )
  sessions.forEach((id, i) => {
    plans.startRun(planId, i + 1, id)
    plans.endRun(planId, i + 1, 'completed', 'playlist finished', id)
  })
  plans.setStatus(planId, 'completed')
  const failed = store.finishSession(store.createSession({ name: 'broken run' }).id, 'failed', 'no target').id
  store.close()
  return { planId, sessions, failed }
}

const sessionCount = (dataDir: string) =>
  (JSON.parse(runCli(['sessions', 'list', '--json'], { dataDir }).stdout) as unknown[]).length

async function open(page: Page, url: string, hash: string): Promise<void> {
  await page.goto(url + hash)
}

describe('plans and per-condition comparison in Chromium (web mode)', () => {
  it('shows a plan’s runs and compares its conditions as the CLI does', { timeout: 120_000 }, async () => {
    const dataDir = tempDir()
    const { planId, sessions } = seed(dataDir)
    const cli = JSON.parse(
      runCli(['compare', '--plan', String(planId), '--group-by', 'micMode', '--json'], { dataDir }).stdout,
    )
    const server = startServe(dataDir)
    const page = await browser.newPage({ viewport: { width: 1300, height: 1200 } })
    try {
      const url = await server.url
      await open(page, url, '#/plans')
      await page.getByRole('button', { name: 'Fig. 7 vs Fig. 11' }).click()
      await page.getByText('4 of 4 runs done').waitFor()
      const runs = page.getByRole('table', { name: 'Runs' })
      expect(await runs.getByRole('row').count()).toBe(5)
      await runs.getByText('micMode noise-removal, refvca noise-removal').first().waitFor()
      await runs.getByRole('button', { name: `Session ${sessions[3]}` }).waitFor()

      await page.getByRole('button', { name: 'Compare conditions' }).click()
      const groups = page.getByRole('table', { name: 'Correlation per group' })
      await groups.waitFor()
      const rows = groups.getByRole('row')
      expect(await rows.count()).toBe(3)
      for (const [i, g] of (
        cli.groups as { key: { micMode: string }; pearson: { mean: { r: number } } }[]
      ).entries()) {
        const text = await rows.nth(i + 1).textContent()
        expect(text).toContain(`micMode ${g.key.micMode}`)
        expect(text).toContain(g.pearson.mean.r.toFixed(3))
      }
      const diffs = page.getByRole('table', { name: 'Differences between groups' })
      expect(await diffs.getByRole('row').count()).toBe(4)
      const maxRow = await diffs.getByRole('row').nth(3).textContent()
      expect(maxRow).toContain(cli.differences[2].z.toFixed(2))
      await page.locator('figure[aria-label="mean gain against LAeq by group"] svg').first().waitFor()
      await page.screenshot({ path: join(artifactsDir, 'compare-plan.png'), fullPage: true })

      // Grouped by a field no session sets: one group, nothing to test between.
      await page.getByLabel('Microphone mode').uncheck()
      await page.getByLabel('OS', { exact: true }).check()
      await expect.poll(() => rows.count()).toBe(2)
      expect(await diffs.count()).toBe(0)
    } finally {
      await page.close()
      await server.stop()
    }
  })

  it('refuses a plan without a target or with words for numbers, next to the fields', async () => {
    const dataDir = tempDir()
    const server = startServe(dataDir)
    const page = await browser.newPage()
    try {
      await open(page, await server.url, '#/plans')
      await page.getByRole('button', { name: 'New plan' }).click()
      await page.getByLabel('Plan name').fill('no target')
      await page.getByLabel('A conferencing app').check()
      await page.getByLabel('Episodes').fill('/episodes/a.opus')
      await page.getByLabel('Telemetry interval').fill('five')
      await page.getByLabel('Repeats of each condition').fill('1.5')
      await page.getByRole('button', { name: 'Run plan' }).click()
      await page.getByText('Choose the app to audit').waitFor()
      await page.getByText('Enter the telemetry interval in seconds as a number').waitFor()
      await page.getByText('Enter the number of repeats as a whole number').waitFor()
      expect(await page.getByLabel('Telemetry interval').getAttribute('aria-invalid')).toBe('true')
      expect(JSON.parse(runCli(['plan', 'list', '--json'], { dataDir }).stdout)).toEqual([])
    } finally {
      await page.close()
      await server.stop()
    }
  })

  it('the experiment wizard refuses a missing target and a wordy duration, and keeps what was typed', async () => {
    const dataDir = tempDir()
    const server = startServe(dataDir)
    const page = await browser.newPage()
    try {
      await open(page, await server.url, '#/experiment')
      const wizard = page.getByRole('form', { name: 'Experiment plan' })
      await wizard.getByLabel('A conferencing app on this or a lab computer').check()
      await wizard.getByLabel('Duration (s, empty: until the playlist ends)').fill('ten minutes')
      await wizard.getByLabel('Activity label').fill('tv, living room')
      await wizard.getByRole('button', { name: 'Start' }).click()
      await wizard.getByText('Choose the app to audit').waitFor()
      await wizard.getByText('Enter the duration in seconds').waitFor()
      // Nothing started: no session was made.
      expect(sessionCount(dataDir)).toBe(0)

      await page.getByRole('link', { name: 'Sessions' }).click()
      await page.getByRole('heading', { name: 'Sessions' }).waitFor()
      await page.getByRole('link', { name: 'Experiment' }).click()
      expect(await wizard.getByLabel('Activity label').inputValue()).toBe('tv, living room')
      expect(await wizard.getByLabel('Duration (s, empty: until the playlist ends)').inputValue()).toBe(
        'ten minutes',
      )
    } finally {
      await page.close()
      await server.stop()
    }
  })

  it('deletes the failed sessions at once, and asks before importing a bundle a second time', async () => {
    const dataDir = tempDir()
    const { sessions, failed } = seed(dataDir)
    const bundle = join(tempDir(), 'run1.jsonl.gz')
    expect(runCli(['sessions', 'export', String(sessions[0]), '--out', bundle], { dataDir }).status).toBe(0)
    const server = startServe(dataDir)
    const page = await browser.newPage()
    try {
      await open(page, await server.url, '#/sessions')
      await page.getByRole('button', { name: 'Delete failed sessions (1)' }).click()
      await page.getByRole('button', { name: 'Delete failed sessions' }).last().click()
      await page.getByRole('button', { name: 'broken run' }).waitFor({ state: 'detached' })
      expect(runCli(['sessions', 'show', String(failed)], { dataDir }).status).toBe(1)
      expect(sessionCount(dataDir)).toBe(4)

      // The bundle of session 1 is already here (it was exported from it): asked, then dropped.
      await page.getByLabel('Session bundle to import').setInputFiles(bundle)
      const dialog = page.getByRole('alertdialog')
      await dialog.getByText(`imported before as session ${sessions[0]} “run 1”`).waitFor()
      await dialog.getByRole('button', { name: 'Cancel' }).click()
      await dialog.waitFor({ state: 'detached' })
      expect(sessionCount(dataDir)).toBe(4)
      // Asked again, and this time imported as a second copy.
      await page.getByLabel('Session bundle to import').setInputFiles(bundle)
      await dialog.getByRole('button', { name: 'Import a second copy' }).click()
      await page.getByRole('heading', { name: 'run 1' }).waitFor()
      expect(sessionCount(dataDir)).toBe(5)
    } finally {
      await page.close()
      await server.stop()
    }
  })

  it(
    'runs a plan from the wizard: progress, ETA, and Continue at an instruction',
    { timeout: 240_000 },
    async () => {
      startPulse()
      const dataDir = tempDir()
      const episode = steppedNoise(join(dataDir, 'steps.wav'), [0.05, 0.6], 3)
      const server = startServe(dataDir)
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } })
      try {
        await open(page, await server.url, '#/plans')
        await page.getByRole('button', { name: 'New plan' }).click()
        await page.getByLabel('Plan name').fill('live modes')
        await page.getByLabel('Episodes').fill(episode)
        await page.getByLabel('Telemetry interval').fill('2')
        await page.getByLabel('Repeats of each condition').fill('1')
        const second = page.getByRole('group', { name: 'Condition 2' })
        await second.getByLabel('Instruction before its runs').fill('Switch the app to noise removal')
        await page.getByRole('button', { name: 'Run plan' }).click()

        await page.getByRole('heading', { name: 'live modes' }).waitFor()
        await page.getByText(/0 of 2 runs done · about \d+/).waitFor()
        const instruction = page.getByRole('alert').filter({ hasText: 'Switch the app to noise removal' })
        await instruction.waitFor({ timeout: 120_000 })
        await page.getByText('1 of 2 runs done').waitFor()
        await page.screenshot({ path: join(artifactsDir, 'plan-waiting.png'), fullPage: true })
        await instruction.getByRole('button', { name: 'Continue' }).click()
        await page.getByText('2 of 2 runs done').waitFor({ timeout: 120_000 })
        await page.locator('.badge.completed').first().waitFor()
        await page.screenshot({ path: join(artifactsDir, 'plan-done.png'), fullPage: true })

        const status = JSON.parse(runCli(['plan', 'status', '1', '--json'], { dataDir }).stdout)
        expect(status).toMatchObject({ status: 'completed', done: 2, total: 2 })
        const modes = status.runs.map(
          (r: { sessionId: number }) =>
            JSON.parse(runCli(['sessions', 'show', String(r.sessionId), '--json'], { dataDir }).stdout)
              .micMode,
        )
        expect(modes).toEqual(['music', 'noise-removal'])
      } finally {
        await page.close()
        await server.stop()
      }
    },
  )

  it(
    'after a run the wizard still holds its values, and Run again runs the same plan',
    { timeout: 180_000 },
    async () => {
      const dataDir = tempDir()
      const episode = steppedNoise(join(dataDir, 'short.wav'), [0.3], 4)
      const server = startServe(dataDir)
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } })
      try {
        await open(page, await server.url, '#/experiment')
        const wizard = page.getByRole('form', { name: 'Experiment plan' })
        await wizard.getByLabel('Episodes (one file per line)').fill(episode)
        await wizard.getByLabel('Telemetry interval (s, empty: the profile’s)').fill('2')
        await wizard.getByLabel('Activity label').fill('again')
        await wizard.getByRole('button', { name: 'Start' }).click()
        // However the run ends, the test goes on at once, and a failure shows why.
        const first = page.getByText(/session 1 ended \w+/)
        await first.waitFor({ timeout: 90_000 })
        expect(await first.textContent()).toMatch(/ended completed \(playlist finished\)/)
        expect(await wizard.getByLabel('Activity label').inputValue()).toBe('again')
        expect(await wizard.getByLabel('Episodes (one file per line)').inputValue()).toBe(episode)

        await page.getByRole('button', { name: 'Run again' }).click()
        await page.getByRole('button', { name: 'Stop' }).waitFor({ timeout: 30_000 })
        const second = page.getByText(/session 2 ended \w+/)
        await second.waitFor({ timeout: 90_000 })
        expect(await second.textContent()).toMatch(/ended completed/)
        const list = JSON.parse(runCli(['sessions', 'list', '--json'], { dataDir }).stdout) as {
          activity: string
          episodes: string[]
          intervalS: number
        }[]
        expect(list.map((s) => [s.activity, s.episodes, s.intervalS])).toEqual([
          ['again', [episode], 2],
          ['again', [episode], 2],
        ])
      } finally {
        await page.close()
        await server.stop()
      }
    },
  )
})
