// `npm run bench:review`: how long the review page takes to render a 24-hour session (1,440 one-minute
// telemetry records, 86,400 one-second levels) in Chromium, from a click on the session to drawn plots.
import { SessionStore } from '../src/core/store/session-store'
import { writeSyntheticSession } from '../test/analysis/synthetic-session'
import { launchChromium } from '../test/support/browser'
import { startServe, tempDir } from '../test/support/helpers'

const runs = Number(process.env.RUNS ?? 7)

async function main(): Promise<void> {
  const dataDir = tempDir('mutescope-bench-review-')
  const store = SessionStore.open({ dir: dataDir })
  const session = writeSyntheticSession(store, { intervalS: 60, records: 1440, lagS: 0, seed: 7 })
  store.close()

  const server = startServe(dataDir)
  const url = await server.url
  const browser = await launchChromium()
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  const times: number[] = []
  try {
    for (let i = 0; i < runs; i++) {
      await page.goto(`${url}#/sessions`)
      const link = page.getByRole('button', { name: 'synthetic' })
      await link.waitFor()
      const t0 = await page.evaluate(() => performance.now())
      await link.click()
      await page.locator('table.stats').waitFor()
      await page.locator('.recharts-line-curve').first().waitFor()
      await page
        .locator('figure[aria-label="Gain against LAeq"] img, figure[aria-label="Gain against LAeq"] svg')
        .first()
        .waitFor()
      // Wait for the frame in which the plots are painted.
      const t1 = (await page.evaluate(
        'new Promise((r) => requestAnimationFrame(() => r(performance.now())))',
      )) as number
      times.push(t1 - t0)
    }
  } finally {
    await browser.close()
    await server.stop()
  }
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)]
  console.log(
    `review of a 24-hour session (${session.records.length} records, ${session.seconds.length} one-second levels): ` +
      `median ${median.toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms over ${runs} opens (first is cold)`,
  )
}

void main()
