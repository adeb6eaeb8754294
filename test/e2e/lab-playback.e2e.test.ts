import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Locator } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PlanRecord } from '../../src/shared/contract/plans'
import { labAgentArgs, startCli, startLinkedPortal, type Background } from '../lab/lab'
import { launchChromium } from '../support/browser'
import { repoRoot, runCli, startServe, tempDir } from '../support/helpers'

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(() => browser?.close())

/** A sink no PulseAudio has: the lab machine's offer needs only its name, and a play there fails at once. */
const absentSink = 'mutescope_e2e_no_such_sink'

/** The conferencing app in the target picker: the process `pid`, by its pid. */
async function chooseApp(form: Locator, pid: number): Promise<void> {
  await form.getByLabel('A conferencing app').check()
  await form.getByLabel('attach by name').uncheck()
  await form.getByLabel('Search applications').fill(String(pid))
  await form
    .getByRole('option')
    .filter({ hasText: new RegExp(`^${pid} sleep`) })
    .click({ timeout: 90_000 })
    .catch(async (err: Error) => {
      // What the picker showed instead (still loading, an error, other applications).
      const picker = form.getByRole('region', { name: 'Capture target' })
      const alive = existsSync(`/proc/${pid}`) ? 'still runs' : 'is gone'
      throw new Error(
        `${err.message}\nprocess ${pid} ${alive}; the target picker:\n${await picker.innerText()}`,
      )
    })
}

function planStatus(dataDir: string, planId: number): PlanRecord {
  const r = runCli(['plan', 'status', String(planId), '--json'], { dataDir, timeoutMs: 60_000 })
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as PlanRecord
}

/**
 * The plan form's "Plays on" a lab machine, against a real `portal serve` (control and lab link on loopback)
 * and a real `lab-agent` offering a microphone by its sink's name: the machines come from the probed device
 * list, and the plan that reaches the API, and its run, play there.
 */
describe("a plan played on a lab machine's microphone (Chromium, web mode)", () => {
  it('offers the machines the portal reports, refuses refvca there, and the plan carries playback', async () => {
    const workbench = tempDir()
    const labDir = tempDir()
    const started: Background[] = []
    // The app under test: a process of ours, attached by pid (and detached again, whatever the run's end).
    const app = spawn('sleep', ['300'], { stdio: 'ignore' })
    const server = startServe(workbench)
    const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } })
    try {
      const linked = await startLinkedPortal('127.0.0.1', workbench, labDir)
      const { portal } = linked
      started.push(portal)

      await page.goto((await server.url) + '#/plans')
      await page.getByRole('button', { name: 'New plan' }).click()
      const form = page.getByRole('form', { name: 'Experiment plan' })
      await form.getByLabel('Plan name').fill('on the lab machine')
      await form.getByLabel('Episodes').fill(join(repoRoot, 'resources', 'demo', 'demo-episode.opus'))
      await form.getByLabel('Duration of each run').fill('2')
      await form.getByLabel('Repeats of each condition').fill('1')
      await form.getByRole('button', { name: 'Remove condition 2' }).click()
      const playsOn = form.getByRole('group', { name: 'Plays on' })
      await playsOn.getByLabel('A lab machine’s microphone, through a portal').check()
      await playsOn.getByRole('combobox', { name: 'Portal' }).selectOption('lab', { timeout: 90_000 })
      // No machine has linked yet: what to start there.
      await playsOn
        .getByText('No lab machine offers its microphone at lab: start “mutescope lab-agent”')
        .waitFor({
          timeout: 90_000,
        })

      const agent = startCli(labAgentArgs(linked, 'lab1', '--mic-sink', absentSink), labDir)
      started.push(agent)
      await portal.seen(/"event":"lab-joined","machine":"lab1"/)
      await playsOn.getByRole('button', { name: 'Look for lab machines again' }).click()
      const machine = playsOn.getByRole('combobox', { name: 'Lab machine' })
      await machine
        .locator('option', { hasText: `lab1: ${absentSink}` })
        .waitFor({ state: 'attached', timeout: 90_000 })
      await machine.selectOption('lab1')

      // refvca hears only this computer's virtual microphone: said next to the field, nothing is run.
      await form.getByRole('button', { name: 'Run plan' }).click()
      await playsOn
        .getByRole('alert')
        .filter({ hasText: 'refvca listens to this computer’s virtual microphone' })
        .waitFor()
      expect(await machine.getAttribute('aria-invalid')).toBe('true')
      expect(JSON.parse(runCli(['plan', 'list', '--json'], { dataDir: workbench }).stdout)).toEqual([])

      await chooseApp(form, app.pid!)
      await form.getByRole('button', { name: 'Run plan' }).click()
      await page.getByRole('heading', { name: 'on the lab machine' }).waitFor()

      const [summary] = JSON.parse(runCli(['plan', 'list', '--json'], { dataDir: workbench }).stdout) as {
        planId: number
      }[]
      let plan = planStatus(workbench, summary.planId)
      expect(plan.spec.playback).toEqual({ device: 'lab', machine: 'lab1' })
      expect(plan.spec.outputDevice).toBeUndefined()
      // Its run plays there: the portal relays the stream to lab1, which starts its output into the sink it
      // offered; that sink does not exist, so the run fails.
      await portal.seen(/"event":"lab-playing","machine":"lab1"/, 90_000)
      await agent.seen(new RegExp(`playing the workbench's stream \\(\\d+ Hz\\) into ${absentSink}`))
      for (let i = 0; i < 120 && (plan.status === 'running' || plan.status === 'waiting'); i++) {
        await new Promise((r) => setTimeout(r, 1000))
        plan = planStatus(workbench, summary.planId)
      }
      expect(plan.runs.map((r) => r.status)).toEqual(['failed'])

      // The experiment form offers the same choice, refuses refvca there too, and its run plays on lab1.
      await page.goto((await server.url) + '#/experiment')
      const wizard = page.getByRole('form', { name: 'Experiment plan' })
      const runOn = wizard.getByRole('group', { name: 'Plays on' })
      await runOn.getByLabel('A lab machine’s microphone, through a portal').check()
      await runOn.getByRole('combobox', { name: 'Portal' }).selectOption('lab', { timeout: 90_000 })
      const runMachine = runOn.getByRole('combobox', { name: 'Lab machine' })
      await runMachine
        .locator('option', { hasText: `lab1: ${absentSink}` })
        .waitFor({ state: 'attached', timeout: 90_000 })
      await runMachine.selectOption('lab1')
      await wizard.getByRole('button', { name: 'Start' }).click()
      await runOn.getByRole('alert').filter({ hasText: 'refvca listens to this computer’s' }).waitFor()
      await chooseApp(wizard, app.pid!)
      await wizard.getByLabel('Duration (s, empty: until the playlist ends)').fill('2')
      await wizard.getByRole('button', { name: 'Start' }).click()
      await portal.seen(/("event":"lab-playing","machine":"lab1"[\s\S]*){2}/, 90_000)
      await page
        .getByRole('status')
        .filter({ hasText: /Last run: session \d+ ended failed/ })
        .waitFor({ timeout: 90_000 })
    } finally {
      await page.close()
      await server.stop()
      await Promise.all(started.map((p) => p.stop()))
      app.kill()
    }
  }, 300_000)
})
