import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { writeSyntheticSession } from '../analysis/synthetic-session'
import { artifactsDir, downloads, launchChromium } from '../support/browser'
import { runCli, startServe, tempDir } from '../support/helpers'

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(() => browser?.close())

describe('units, calibration, episode summaries and figure export in Chromium (web mode)', () => {
  it(
    'labels levels dBFS until calibrated, then dBA, in review, exports and new sessions',
    { timeout: 180_000 },
    async () => {
      const dataDir = tempDir()
      const store = SessionStore.open({ dir: dataDir })
      const s = writeSyntheticSession(store, { intervalS: 60, records: 10, lagS: 0, seed: 3, noiseDb: 3 })
      store.updateMeta(s.id, {
        name: 'Friends S01E01, music mode',
        micMode: 'music',
        episodes: ['friends.mkv'],
      })
      store.close()
      const server = startServe(dataDir)
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 }, acceptDownloads: true })

      // Review of an uncalibrated session: every level says dB re full scale, both method families are shown.
      await page.goto((await server.url) + `#/sessions/${s.id}`)
      const table = page.getByRole('table', { name: 'Correlation statistics' })
      await table.waitFor()
      await table.getByText('Not calibrated: levels in dB re digital full scale.').waitFor()
      expect(await table.getByRole('cell', { name: 'dBFS (A-weighted)', exact: true }).count()).toBe(6)
      expect(await table.getByRole('cell', { name: 'dBFS', exact: true }).count()).toBe(6)
      await table.getByText("max magnitude (the paper's magnitudes)").first().waitFor()
      await page.getByText('LAeq, dBFS (A-weighted)').first().waitFor()

      // The paper's own method, named for what it is.
      await page.getByLabel('Method').selectOption('fixed')
      await table.getByText(/Windows: the paper's fixed windows from playback start, 60 s each/).waitFor()

      // Calibrate this session in review: plain-words errors, then dBA everywhere.
      const cal = page.getByRole('form', { name: 'Calibration' })
      await cal.getByLabel(/Calibration offset/).fill('loud')
      await cal.getByText(/Enter the calibration in dB, e\.g\. 94/).waitFor()
      await cal.getByLabel(/Calibration offset/).fill('94')
      await cal.getByRole('button', { name: 'Apply calibration' }).click()
      await table.getByText('Calibrated: 94 dB added to every level.').waitFor()
      expect(await table.getByRole('cell', { name: 'dBA', exact: true }).count()).toBe(6)
      expect(await table.getByRole('cell', { name: 'dB SPL', exact: true }).count()).toBe(6)
      await page.screenshot({ path: join(artifactsDir, 'review-calibrated.png'), fullPage: true })
      const shown = JSON.parse(runCli(['sessions', 'show', String(s.id), '--json'], { dataDir }).stdout)
      expect(shown).toMatchObject({
        calibrationDb: 94,
        micMode: 'music',
        episodes: ['friends.mkv'],
        intervalS: 60,
      })

      // A publication figure as PDF, with the CSV of its points carrying the calibration.
      await page.getByRole('button', { name: 'Publication figure…' }).click()
      const dialog = page.getByRole('dialog', { name: 'Export figure' })
      await dialog.getByLabel('Format').selectOption('pdf')
      await dialog.getByLabel(/Width \(mm/).fill('20')
      await dialog.getByRole('button', { name: 'Export' }).click()
      await dialog.getByText('Enter a width from 40 to 600 mm, or leave it empty.').waitFor()
      await dialog.getByLabel(/Width \(mm/).fill('160')
      await dialog.getByLabel(/Title/).fill('Fig. 7 again')
      const files = await downloads(page, 2, () => dialog.getByRole('button', { name: 'Export' }).click())
      const pdf = files.find((f) => f.name.endsWith('.pdf'))!
      const csv = files.find((f) => f.name.endsWith('.csv'))!
      expect(pdf.name).toBe('mutescope-fig-7-again.pdf')
      expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-')
      const pdfFile = join(tempDir(), 'fig.pdf')
      writeFileSync(pdfFile, pdf.bytes)
      const info = spawnSync('pdfinfo', [pdfFile], { encoding: 'utf8', timeout: 30_000 })
      expect(info.stdout).toMatch(/Title:\s+Fig\. 7 again/)
      expect(info.stdout).toMatch(/Page size:\s+453\.5\d* x \d/)
      const rows = csv.bytes.toString().trimEnd().split('\r\n')
      expect(rows[0]).toBe('panel,series,session_id,time_iso,"LAeq, dBA",y,y_axis,calibration_db,method')
      expect(rows.slice(1).every((r) => r.endsWith(',94,fixed'))).toBe(true)
      await dialog.waitFor({ state: 'detached' })

      // Settings: the default calibration new sessions start with, and the wizard takes it.
      await page.goto((await server.url) + '#/settings')
      const defaults = page.getByRole('form', { name: 'Calibration' })
      await defaults.getByLabel(/Default calibration offset/).fill('90.5')
      await defaults.getByRole('button', { name: 'Save' }).click()
      await defaults.getByText('Saved').waitFor()
      expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'))).toEqual({
        calibrationDb: 90.5,
      })
      await page.reload()
      await page
        .getByRole('form', { name: 'Calibration' })
        .getByLabel(/Default calibration offset/)
        .waitFor()
      await expect
        .poll(() =>
          page
            .getByRole('form', { name: 'Calibration' })
            .getByLabel(/Default calibration offset/)
            .inputValue(),
        )
        .toBe('90.5')
      await page.close()
      await server.stop()
    },
  )

  it(
    'summarises the episodes before a run and warns when it yields fewer than 3 intervals',
    { timeout: 120_000 },
    async () => {
      const dataDir = tempDir()
      const episode = join(tempDir(), 'two minutes.ogg')
      const made = spawnSync(
        'ffmpeg',
        [
          '-v',
          'error',
          '-y',
          '-f',
          'lavfi',
          '-i',
          'sine=frequency=1000:sample_rate=16000:duration=120',
          '-c:a',
          'libvorbis',
          episode,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      )
      expect(made.status).toBe(0)
      expect(runCli(['settings', '--calibration', '94'], { dataDir }).status).toBe(0)
      const server = startServe(dataDir)
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } })
      await page.goto((await server.url) + '#/experiment')
      const form = page.getByRole('form', { name: 'Experiment plan' })
      await expect.poll(() => form.getByLabel(/Calibration offset/).inputValue()).toBe('94')
      await form.getByLabel('Episodes (one file per line)').fill(episode)
      await form.getByLabel(/Telemetry interval/).fill('60')
      // The warning comes from the files' headers, without decoding them.
      await form
        .getByText(
          /This run will give only 2 telemetry intervals \(120 s of playback, one report every 60 s\)/,
        )
        .waitFor()
      await form.getByRole('button', { name: 'Summarise episodes' }).click()
      const summary = form.getByRole('region', { name: 'Episode summary' })
      await summary.getByRole('columnheader', { name: 'LAeq, dBA' }).waitFor({ timeout: 60_000 })
      const row = summary.getByRole('row', { name: new RegExp('two minutes\\.ogg') })
      await expect.poll(() => row.textContent()).toMatch(/2:00\s*\d+\.\d/)
      await page.screenshot({ path: join(artifactsDir, 'wizard-episode-summary.png'), fullPage: true })
      await form.getByLabel(/Duration \(s/).fill('600')
      await form.getByText(/This run will give only/).waitFor({ state: 'detached' })
      await page.close()
      await server.stop()
    },
  )
})
