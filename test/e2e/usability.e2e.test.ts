import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { writeSyntheticSession } from '../analysis/synthetic-session'
import { byClass, parseSvg, renderPdf } from '../support/figure-files'
import { artifactsDir, downloads, launchChromium } from '../support/browser'
import { paperGains, trainModel } from '../classify/trained-model'
import { startPulse, steppedNoise } from '../mic/mic-lab'
import { runCli, startServe, tempDir } from '../support/helpers'

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(() => browser?.close())

type Box = { x: number; y: number; width: number; height: number }
const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

/** The x-axis tick labels of a chart, with where they are drawn. */
async function xTicks(chart: Locator): Promise<{ text: string; box: Box }[]> {
  const ticks = chart.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value')
  return Promise.all(
    (await ticks.all()).map(async (t) => ({
      text: (await t.textContent()) ?? '',
      box: (await t.boundingBox())!,
    })),
  )
}

/** The plot area of a chart (where DragZoom listens), on the page. */
async function plotArea(chart: Locator): Promise<Box> {
  return (await chart.locator('rect.zoom-area').boundingBox())!
}

async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y)
  await page.mouse.down()
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 })
  await page.mouse.move(to.x, to.y, { steps: 4 })
  await page.mouse.up()
}

describe('plots in review (Chromium, web mode)', () => {
  it('label time with round clock times that do not overlap, show values on hover and zoom by dragging', async () => {
    const dataDir = tempDir()
    const store = SessionStore.open({ dir: dataDir })
    const s = writeSyntheticSession(store, { intervalS: 10, records: 30, lagS: 0, seed: 5, noiseDb: 3 })
    store.close()
    const server = startServe(dataDir)
    const page = await browser.newPage({ viewport: { width: 1300, height: 1100 } })
    try {
      await page.goto((await server.url) + `#/sessions/${s.id}`)
      const timeline = page.getByRole('figure', { name: 'Gains and played level over time' })
      await timeline.locator('rect.zoom-area').waitFor()
      const before = await xTicks(timeline)
      // About six minutes: a tick on each whole minute of the clock, and no two labels touch.
      expect(before.length).toBeGreaterThanOrEqual(3)
      expect(before.length).toBeLessThanOrEqual(6)
      for (const t of before) expect(t.text).toMatch(/^\d\d?:\d\d:00( [AP]M)?$/)
      before.slice(1).forEach((t, i) => expect(overlap(t.box, before[i].box)).toBe(false))

      const area = await plotArea(timeline)
      await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2)
      const tooltip = timeline.locator('.recharts-tooltip-wrapper')
      // Hover: the played level of that second and the gains of the report covering it.
      await tooltip.getByText(/^\d\d?:\d\d:\d\d( [AP]M)?$/).waitFor()
      await tooltip.getByText(/^LAeq,1s: -?\d+\.\d dBFS \(A-weighted\)$/).waitFor()
      const report = /^Report of (.+): max gain (-?\d+\.\d), mean gain (-?\d+\.\d), min gain (-?\d+\.\d) dB$/
      const shown = report.exec((await tooltip.locator('p').nth(2).textContent()) ?? '')
      expect(shown).not.toBeNull()
      const covering = s.records.find((r) => new Date(r.t).toLocaleTimeString('en-US') === shown![1])
      expect(covering?.fields.audioMeanGain).toBeCloseTo(Number(shown![3]), 1)

      // Zoom: drag across the second quarter; the axis spans about a quarter of the time, then zooms back out.
      await drag(
        page,
        { x: area.x + area.width * 0.25, y: area.y + area.height / 2 },
        { x: area.x + area.width * 0.5, y: area.y + area.height / 2 },
      )
      const reset = timeline.getByRole('button', { name: 'Reset zoom' })
      await reset.waitFor()
      await expect
        .poll(async () => (await xTicks(timeline)).map((t) => t.text))
        .not.toEqual(before.map((t) => t.text))
      const zoomed = await xTicks(timeline)
      expect(zoomed.length).toBeGreaterThanOrEqual(2)
      for (const t of zoomed) expect(t.text).toMatch(/^\d\d?:\d\d:(00|15|30|45)( [AP]M)?$/)
      await page.screenshot({ path: join(artifactsDir, 'review-zoomed.png'), fullPage: true })
      await reset.click()
      await reset.waitFor({ state: 'detached' })
      expect((await xTicks(timeline)).map((t) => t.text)).toEqual(before.map((t) => t.text))

      // The scatter zooms into a box too, and names each point's values on hover.
      const scatter = page.getByRole('figure', { name: 'Gain against LAeq' })
      await scatter.scrollIntoViewIfNeeded()
      const dots = scatter.locator('.recharts-scatter-symbol')
      const all = await dots.count()
      expect(all).toBe(3 * 30)
      const dot = (await dots.nth(40).boundingBox())!
      await page.mouse.move(dot.x + dot.width / 2, dot.y + dot.height / 2)
      await scatter
        .locator('.recharts-tooltip-wrapper')
        .getByText(/LAeq : -?\d+\.\d/)
        .waitFor()
      const sArea = await plotArea(scatter)
      await drag(
        page,
        { x: sArea.x + sArea.width * 0.05, y: sArea.y + sArea.height * 0.05 },
        { x: sArea.x + sArea.width * 0.5, y: sArea.y + sArea.height * 0.95 },
      )
      await scatter.getByRole('button', { name: 'Reset zoom' }).waitFor()
      // Points outside the box are clipped: fewer are drawn inside the plot area.
      const inside = async () => {
        const a = await plotArea(scatter)
        const boxes = await dots.evaluateAll((ds) =>
          ds
            .map((d) => d.getBoundingClientRect())
            .map((r) => ({ x: r.x + r.width / 2, y: r.y + r.height / 2 })),
        )
        return boxes.filter((b) => b.x >= a.x && b.x <= a.x + a.width && b.y >= a.y && b.y <= a.y + a.height)
          .length
      }
      await expect.poll(inside).toBeLessThan(all)
      await expect.poll(inside).toBeGreaterThan(0)
      await scatter.getByRole('button', { name: 'Reset zoom' }).click()
      await expect.poll(inside).toBe(all)
    } finally {
      await page.close()
      await server.stop()
    }
  }, 120_000)
})

describe('the Compare page (Chromium, web mode)', () => {
  it("compares by the paper's magnitudes over its fixed windows, as the CLI does", async () => {
    const dataDir = tempDir()
    const store = SessionStore.open({ dir: dataDir })
    for (const [i, micMode] of ['music', 'music', 'noise-removal', 'noise-removal'].entries()) {
      // Reports lag 4 s behind their audio: only the fixed windows from playback start line up with it.
      const s = writeSyntheticSession(store, {
        intervalS: 10,
        records: 12,
        lagS: 4,
        seed: 60 + i,
        noiseDb: 2 * i,
      })
      store.updateMeta(s.id, { micMode })
    }
    store.close()
    const compare = (method: string) =>
      JSON.parse(
        runCli(
          ['compare', '--search', 'synthetic', '--level', 'maxMagnitude', '--method', method, '--json'],
          {
            dataDir,
          },
        ).stdout,
      ) as { groups: { pearson: { mean: { r: number } } }[] }
    const cli = compare('fixed')
    const r = (c: typeof cli) => c.groups[0].pearson.mean.r.toFixed(3)
    expect(r(cli)).not.toBe(r(compare('aligned')))
    const server = startServe(dataDir)
    const page = await browser.newPage({ viewport: { width: 1300, height: 1100 } })
    try {
      await page.goto((await server.url) + '#/compare')
      await page.getByLabel('Name, app, label or notes contain').fill('synthetic')
      await page.getByLabel('Level').selectOption('maxMagnitude')
      await page.getByLabel('Windows').selectOption('fixed')
      expect(await page.getByLabel('Windows').locator('option:checked').textContent()).toBe(
        "The paper's fixed windows from playback start",
      )
      const rows = page.getByRole('table', { name: 'Correlation per group' }).getByRole('row')
      for (const [i, g] of cli.groups.entries())
        await expect.poll(() => rows.nth(i + 1).textContent()).toContain(g.pearson.mean.r.toFixed(3))
    } finally {
      await page.close()
      await server.stop()
    }
  }, 60_000)
})

describe('the live experiment (Chromium, web mode)', () => {
  it('shows Pause as paused, and keeps its log over a reload', { timeout: 180_000 }, async () => {
    startPulse()
    const dataDir = tempDir()
    const episode = steppedNoise(join(dataDir, 'long.wav'), [0.3], 120)
    const server = startServe(dataDir)
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } })
    try {
      await page.goto((await server.url) + '#/experiment')
      const wizard = page.getByRole('form', { name: 'Experiment plan' })
      await wizard.getByLabel('Episodes (one file per line)').fill(episode)
      await wizard.getByLabel('Telemetry interval (s, empty: the profile’s)').fill('2')
      await wizard.getByRole('button', { name: 'Start' }).click()
      const log = page.locator('ol.log')
      await log.getByText(/started refvca \(pid \d+\), 2 s telemetry interval/).waitFor({ timeout: 60_000 })
      const badge = page.locator('.badge').first()
      await expect.poll(() => badge.textContent(), { timeout: 30_000 }).toBe('running')
      await page.getByText(/^Playing long\.wav/).waitFor({ timeout: 30_000 })

      await page.getByRole('button', { name: 'Pause' }).click()
      await page.getByRole('button', { name: 'Resume' }).waitFor()
      await expect.poll(() => badge.textContent()).toBe('paused')
      await page.getByText(/^Paused at long\.wav/).waitFor()
      const logged = await log.locator('li').allTextContents()
      expect(logged.length).toBeGreaterThan(0)

      await page.reload()
      // Still paused after the reload, and the log is the one from before it.
      await page.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 30_000 })
      await expect.poll(() => badge.textContent()).toBe('paused')
      expect((await log.locator('li').allTextContents()).slice(0, logged.length)).toEqual(logged)
      await page.screenshot({ path: join(artifactsDir, 'experiment-paused.png'), fullPage: true })

      await page.getByRole('button', { name: 'Resume' }).click()
      await expect.poll(() => badge.textContent()).toBe('running')
      await page.getByRole('button', { name: 'Stop' }).click()
      await page.getByText(/ended completed \(stopped by the user\)/).waitFor({ timeout: 60_000 })
      const events = JSON.parse(runCli(['sessions', 'show', '1', '--json'], { dataDir }).stdout) as {
        events?: { kind: string }[]
      }
      if (events.events)
        expect(events.events.map((e) => e.kind)).toEqual(
          expect.arrayContaining(['playback-pause', 'playback-resume']),
        )
    } finally {
      await page.close()
      await server.stop()
    }
  })
})

describe('the Classifier page (Chromium, web mode)', () => {
  it(
    'remembers its data folder, keeps its two window choices together, exports figures and refuses 5-second records',
    { timeout: 240_000 },
    async () => {
      const dataDir = tempDir()
      trainModel(dataDir, 3)
      const store = SessionStore.open({ dir: dataDir })
      const sessions = [
        { name: 'muted kitchen call', everyS: 60, records: 5 },
        { name: 'five-second refvca run', everyS: 5, records: 12 },
      ].map(({ name, everyS, records }) => {
        const id = store.createSession({ name, activity: 'cooking or eating', intervalS: everyS }).id
        store.appendTelemetry(
          id,
          Array.from({ length: records }, (_, i) => ({
            t: 1_700_000_000_000 + everyS * 1000 * (i + 1),
            host: 'h',
            path: '/metric/v1',
            conn: 'c',
            fields: { audioMaxGain: 37, audioMeanGain: 27, audioMinGain: 14 + (i % 4) },
          })),
        )
        return id
      })
      store.close()
      const server = startServe(dataDir)
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 }, acceptDownloads: true })
      try {
        await page.goto((await server.url) + '#/classifier')
        const folder = page.getByLabel(/Data folder/)
        await expect.poll(() => folder.isEnabled()).toBe(true)
        await folder.fill(paperGains)
        const summary = page.getByRole('table', { name: 'Minutes and clips per class and set' })
        await summary.getByRole('cell', { name: '3403', exact: true }).waitFor()
        const settings = () => JSON.parse(runCli(['settings', '--json'], { dataDir }).stdout)
        await expect.poll(settings, { timeout: 20_000 }).toMatchObject({ classifierData: paperGains })
        await page.reload()
        await expect.poll(() => folder.inputValue()).toBe(paperGains)
        await summary.getByRole('cell', { name: '3403', exact: true }).waitFor()

        // One window for the dataset and the training: changing either changes both.
        const train = page.getByRole('region', { name: 'Training' })
        const datasetWindow = page.getByRole('region', { name: 'Dataset' }).getByLabel(/^Window/)
        await datasetWindow.selectOption('3')
        expect(await train.getByLabel('Window (minutes)').inputValue()).toBe('3')
        await train.getByLabel('Window (minutes)').selectOption('10')
        expect(await datasetWindow.inputValue()).toBe('10')
        await summary.getByText(/clips are windows of 10 minutes/).waitFor()

        // Publication figures of the saved model: confusion matrices as SVG, training curves as PDF.
        await page.getByRole('table', { name: 'Saved models' }).getByRole('button').first().click()
        const results = page.getByRole('region', { name: /Results of n3-/ })
        await results.getByRole('button', { name: 'Publication figure…' }).click()
        let dialog = page.getByRole('dialog', { name: 'Export figure' })
        await dialog.getByLabel('Figure').selectOption('confusion')
        await dialog.getByLabel('Format').selectOption('svg')
        await dialog.getByLabel('Evaluation 2 (100 cm)').uncheck()
        const [svg, csv] = await downloads(page, 2, () =>
          dialog.getByRole('button', { name: 'Export' }).click(),
        )
        expect(svg.name).toMatch(/^mutescope-classifier-n-3-.*\.svg$/)
        expect(byClass(parseSvg(svg.bytes.toString()), 'panel')).toHaveLength(2)
        expect(csv.bytes.toString().trimEnd().split('\r\n')).toHaveLength(1 + 2 * 36)
        await results.getByRole('button', { name: 'Publication figure…' }).click()
        dialog = page.getByRole('dialog', { name: 'Export figure' })
        await dialog.getByLabel('Figure').selectOption('curves')
        await dialog.getByLabel(/^Width/).fill('140')
        const [pdf] = await downloads(page, 2, () => dialog.getByRole('button', { name: 'Export' }).click())
        const pdfFile = join(dataDir, 'curves.pdf')
        writeFileSync(pdfFile, pdf.bytes)
        expect(renderPdf(pdfFile, 72, dataDir).width).toBeCloseTo((140 / 25.4) * 72, -0.5)

        // What a session reveals: only sessions with one record a minute.
        const live = page.getByRole('region', { name: 'What a session reveals' })
        const pick = live.getByLabel('Session')
        await expect
          .poll(() => pick.locator('option').allTextContents())
          .toContainEqual(expect.stringMatching(/five-second refvca run · 12 records every 5 s, not minutes/))
        await pick.selectOption(String(sessions[1]))
        await live.getByRole('button', { name: 'Classify latest minutes' }).click()
        await live
          .getByText(
            `session ${sessions[1]} has a gains record every 5 s, but the classifier learned from one record a minute (Webex's interval), so its last 3 records are not 3 minutes; classify a session recorded with a 60 s telemetry interval`,
          )
          .waitFor()
        expect(await live.getByText(/Inferred background activity/).count()).toBe(0)
        await pick.selectOption(String(sessions[0]))
        await live.getByRole('button', { name: 'Classify latest minutes' }).click()
        await live.getByText(/Inferred background activity: .* from the last 3 of 5 minutes/).waitFor()
        await page.screenshot({ path: join(artifactsDir, 'classifier-usability.png'), fullPage: true })
      } finally {
        await page.close()
        await server.stop()
      }
    },
  )
})
