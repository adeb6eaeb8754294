import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { runCli, tempDir } from '../support/helpers'

function seeded(): { dataDir: string; id: number } {
  const dataDir = tempDir()
  const store = SessionStore.open({ dir: dataDir })
  const id = store.createSession({ name: 'cli session', targetApp: 'Webex' }).id
  store.appendTelemetry(id, [
    { t: 1, host: 'h', path: '/metric/v1', conn: 'c', fields: { audioMeanGain: 7 } },
  ])
  store.finishSession(id, 'completed')
  store.close()
  return { dataDir, id }
}

describe('mutescope sessions', () => {
  it('lists, shows, exports, imports and deletes', () => {
    const { dataDir, id } = seeded()
    const list = runCli(['sessions', 'list', '--json'], { dataDir })
    expect(list.status).toBe(0)
    expect(JSON.parse(list.stdout)).toMatchObject([
      { id, name: 'cli session', status: 'completed', telemetryCount: 1 },
    ])

    const show = runCli(['sessions', 'show', String(id), '--json'], { dataDir })
    expect(JSON.parse(show.stdout)).toMatchObject({ id, targetApp: 'Webex', telemetry: 1 })

    const out = join(tempDir(), 'bundle.json.gz')
    expect(runCli(['sessions', 'export', String(id), '--out', out, '--json'], { dataDir }).status).toBe(0)
    const other = tempDir()
    const imported = runCli(['sessions', 'import', out, '--json'], { dataDir: other })
    expect(imported.status).toBe(0)
    expect(JSON.parse(imported.stdout)).toMatchObject({ name: 'cli session', status: 'completed' })

    expect(JSON.parse(runCli(['sessions', 'delete', String(id), '--json'], { dataDir }).stdout)).toEqual({
      deleted: id,
    })
    expect(JSON.parse(runCli(['sessions', 'list', '--json'], { dataDir }).stdout)).toEqual([])
  })

  it('fails clearly on a missing session, bad arguments and foreign files', () => {
    const { dataDir } = seeded()
    const missing = runCli(['sessions', 'show', '999'], { dataDir })
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/no session with id 999.*sessions list/)

    const badId = runCli(['sessions', 'delete', 'abc'], { dataDir })
    expect(badId.status).toBe(1)
    expect(badId.stderr).toMatch(/session id must be a positive whole number/)

    const noOut = runCli(['sessions', 'export', '1'], { dataDir })
    expect(noOut.status).not.toBe(0)
    expect(noOut.stderr).toMatch(/--out/)

    const foreign = join(tempDir(), 'x.json')
    writeFileSync(foreign, '{"not":"a bundle"}')
    const imp = runCli(['sessions', 'import', foreign], { dataDir })
    expect(imp.status).toBe(1)
    expect(imp.stderr).toMatch(/not a MuteScope session bundle/)

    const unreadable = runCli(['sessions', 'import', '/nonexistent/file'], { dataDir })
    expect(unreadable.status).toBe(1)
    expect(unreadable.stderr).toMatch(/cannot read/)

    expect(runCli(['sessions', 'frobnicate'], { dataDir }).status).not.toBe(0)
    expect(JSON.parse(runCli(['sessions', 'list', '--json'], { dataDir }).stdout)).toHaveLength(1)
  })

  it('refuses what the API refuses, with the message the UI gets', () => {
    const { dataDir } = seeded()
    const r = runCli(['sessions', 'list', '--search', 'x'.repeat(201)], { dataDir })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/invalid payload for listSessions: .*200 characters/)
  })

  it('serve refuses a non-loopback host', () => {
    const r = runCli(['serve', '--host', '0.0.0.0'], { dataDir: tempDir() })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/--host 127\.0\.0\.1/)
  })
})
