import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/core/app'
import type { ApplicationInfo } from '../../src/shared/contract/capture'
import { tempDir } from '../support/helpers'

const app = createApp({ dataDir: tempDir(), transport: 'web' })
afterAll(() => app.close())

describe('capture requests behind the contract', () => {
  it('listProcesses lists this very process, sorted by name', async () => {
    const reply = await app.dispatch('listProcesses', {})
    expect(reply.ok).toBe(true)
    const list = (reply as { result: { pid: number; name: string }[] }).result
    expect(list).toContainEqual(
      expect.objectContaining({ pid: process.pid, name: expect.any(String), ppid: process.ppid }),
    )
    expect(list.map((p) => p.name)).toEqual([...list.map((p) => p.name)].sort((a, b) => a.localeCompare(b)))
  })

  it('listApplications groups a process tree into one application with its TLS libraries', async () => {
    // A python that loads OpenSSL and starts two children of its own kind: one application of three processes.
    const script =
      'import ssl, subprocess, sys, time\n' +
      "kids = [subprocess.Popen([sys.executable, '-c', 'import ssl, time; time.sleep(60)']) for _ in range(2)]\n" +
      "print('ready', flush=True); time.sleep(60)"
    const parent = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'], detached: true })
    try {
      await new Promise((r) => parent.stdout.once('data', r))
      const reply = await app.dispatch('listApplications', {})
      expect(reply.ok).toBe(true)
      const apps = (reply as { result: ApplicationInfo[] }).result
      const mine = apps.find((a) => a.rootPid === parent.pid)!
      expect(mine.processes).toHaveLength(3)
      expect(mine.processes.every((p) => p.tls?.some((t) => t.startsWith('openssl (libssl.so')))).toBe(true)
      expect(mine.processes[1].argv).toEqual([expect.stringContaining('python'), '-c', expect.any(String)])
      // MuteScope's own processes (this one, the Frida bridge) are never offered as targets.
      expect(apps.some((a) => a.processes.some((p) => p.pid === process.pid))).toBe(false)
    } finally {
      process.kill(-parent.pid!, 'SIGKILL')
    }
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
