import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeviceView } from '../../src/shared/contract/devices'
import { makeCert } from '../capture/tls-lab'
import { artifactsDir, launchChromium } from '../support/browser'
import { runCli, startServe, tempDir } from '../support/helpers'

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(() => browser?.close())

function listed(dataDir: string): DeviceView[] {
  const r = runCli(['devices', 'list', '--json'], { dataDir, timeoutMs: 90_000 })
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as DeviceView[]
}

describe('the device list in Settings (Chromium, web mode)', () => {
  it('adds a frida-server, shows it unreachable, says what is wrong next to a field, and removes it', async () => {
    const dataDir = tempDir()
    const server = startServe(dataDir)
    const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } })
    try {
      await page.goto((await server.url) + '#/settings')
      const panel = page.getByRole('region', { name: 'Devices', exact: true })
      const table = panel.getByRole('table', { name: 'Devices' })
      const row = (name: string) =>
        table.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) })
      await row('local').getByText('this computer').waitFor()

      // This computer answers: its OS and the Frida that MuteScope runs.
      await panel.getByRole('button', { name: 'Refresh' }).click()
      await row('local').getByText('checking…').waitFor()
      await row('local').getByText('reachable', { exact: true }).waitFor({ timeout: 90_000 })
      expect(await row('local').getByRole('cell').nth(2).textContent()).not.toBe('—')
      expect(await row('local').getByRole('cell').nth(3).textContent()).toMatch(/^\d+\.\d+\.\d+/)

      // Bad input: each problem next to its field, in plain words, and nothing is added.
      const form = panel.getByRole('form', { name: 'Add a device' })
      await form.getByLabel('Name').fill('lab1')
      await form.getByLabel('Address (HOST:PORT)').fill('127.0.0.1')
      await form.getByLabel('TLS certificate file (optional, PEM)').fill(join(dataDir, 'missing.pem'))
      await form.getByRole('button', { name: 'Add device' }).click()
      const address = form.getByLabel('Address (HOST:PORT)')
      expect(await address.getAttribute('aria-invalid')).toBe('true')
      await form
        .getByRole('alert')
        .filter({ hasText: 'an address is HOST:PORT, e.g. 10.0.0.2:27042' })
        .waitFor()
      await address.fill('127.0.0.1:70000')
      await form.getByRole('button', { name: 'Add device' }).click()
      await form.getByRole('alert').filter({ hasText: 'a port is at most 65535' }).waitFor()

      // A certificate file that is not there, or holds no certificate: said next to that field.
      await address.fill('127.0.0.1:1')
      await form.getByRole('button', { name: 'Add device' }).click()
      const certificate = form.getByLabel('TLS certificate file (optional, PEM)')
      await form
        .getByRole('alert')
        .filter({ hasText: /missing\.pem: no such file/ })
        .waitFor()
      expect(await certificate.getAttribute('aria-invalid')).toBe('true')
      const notPem = join(dataDir, 'not.pem')
      writeFileSync(notPem, 'hello\n')
      await certificate.fill(notPem)
      await form.getByRole('button', { name: 'Add device' }).click()
      await form.getByRole('alert').filter({ hasText: 'holds no PEM certificate' }).waitFor()
      // A portal always has a token.
      await form.getByLabel('Kind').selectOption('portal')
      await form.getByRole('button', { name: 'Add device' }).click()
      await form.getByRole('alert').filter({ hasText: 'a portal needs its token' }).waitFor()
      await form.getByLabel('Kind').selectOption('frida-server')
      expect(listed(dataDir).map((d) => d.name)).toEqual(['local'])

      // A frida-server at a loopback port nobody listens on, with a token and its TLS certificate.
      await certificate.fill(makeCert().cert)
      await form.getByLabel('Token (optional)').fill('s3cret')
      await form.getByRole('button', { name: 'Add device' }).click()
      await row('lab1').getByText('127.0.0.1:1, TLS, token').waitFor()
      await row('lab1')
        .getByText(/^unreachable: .+/)
        .waitFor({ timeout: 90_000 })
      expect(await form.getByLabel('Name').inputValue()).toBe('')
      await page.screenshot({ path: join(artifactsDir, 'settings-devices.png'), fullPage: true })

      // The CLI agrees: same device, same verdict, and the token never leaves the server.
      const cli = listed(dataDir)
      expect(cli.map((d) => [d.name, d.kind, d.address, d.token, d.tls, d.status?.reachable])).toEqual([
        ['local', 'local', null, false, false, true],
        ['lab1', 'frida-server', '127.0.0.1:1', true, true, false],
      ])
      expect(await page.content()).not.toContain('s3cret')

      // Remove asks first; Cancel keeps the device, Remove takes it away.
      await row('lab1').getByRole('button', { name: 'Remove lab1' }).click()
      const dialog = page.getByRole('alertdialog', { name: 'Remove device lab1?' })
      await dialog.getByRole('button', { name: 'Cancel' }).click()
      await dialog.waitFor({ state: 'detached' })
      expect(await row('lab1').count()).toBe(1)
      await row('lab1').getByRole('button', { name: 'Remove lab1' }).click()
      await dialog.getByRole('button', { name: 'Remove', exact: true }).click()
      await row('lab1').waitFor({ state: 'detached' })
      expect(listed(dataDir).map((d) => d.name)).toEqual(['local'])
    } finally {
      await page.close()
      await server.stop()
    }
  }, 300_000)
})
