import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/core/app'
import { tempDir } from '../support/helpers'

const app = createApp({ dataDir: tempDir(), transport: 'web' })
afterAll(() => app.close())

describe('capture requests behind the contract', () => {
  it('listProcesses lists this very process, sorted by name', async () => {
    const reply = await app.dispatch('listProcesses', {})
    expect(reply.ok).toBe(true)
    const list = (reply as { result: { pid: number; name: string }[] }).result
    expect(list).toContainEqual({ pid: process.pid, name: expect.any(String) })
    expect(list.map((p) => p.name)).toEqual([...list.map((p) => p.name)].sort((a, b) => a.localeCompare(b)))
  })

  it('captureBackendStatus reports pip frida and its version', async () => {
    const version = execFileSync('python3', ['-c', 'import frida; print(frida.__version__)'], {
      encoding: 'utf8',
    }).trim()
    expect(await app.dispatch('captureBackendStatus', {})).toEqual({
      ok: true,
      result: { available: true, kind: 'python', version, message: null },
    })
  })

  it('captureBackendStatus names the fix when Frida is missing', async () => {
    const venv = join(tempDir('mutescope-nofrida-'), 'venv')
    spawnSync('python3', ['-m', 'venv', '--without-pip', venv])
    process.env.MUTESCOPE_PYTHON = join(venv, 'bin', 'python')
    try {
      const reply = await app.dispatch('captureBackendStatus', { backend: 'python' })
      expect(reply).toMatchObject({ ok: true, result: { available: false, kind: null, version: null } })
      expect((reply as { result: { message: string } }).result.message).toContain('pip install frida')
    } finally {
      delete process.env.MUTESCOPE_PYTHON
    }
  })

  it('rejects a malformed host before touching Frida', async () => {
    expect(await app.dispatch('listProcesses', { host: 'no port' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    })
  })
})
