import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { HookGroup, HookedFunction } from '../../src/agent/protocol'
import { agentSource } from '../../src/core/capture/agent-source'
import type { FridaBackend } from '../../src/core/capture/backend'
import { CaptureRun } from '../../src/core/capture/capture-run'
import { PythonBackend } from '../../src/core/capture/python-backend'
import { recordRun } from '../../src/core/capture/record'
import { SessionStore } from '../../src/core/store/session-store'
import type { Capture } from '../../src/shared/model'
import { tempDir } from '../support/helpers'
import { curlArgs, makeCert, startHttpsServer } from './tls-lab'

let backend: PythonBackend
const started: ChildProcess[] = []
const until = async (pred: () => boolean, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
function start(cmd: string, args: string[]): ChildProcess {
  const p = spawn(cmd, args, { stdio: 'ignore' })
  started.push(p)
  return p
}

beforeAll(async () => {
  backend = await PythonBackend.start()
})
afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null) p.kill('SIGKILL')
})
afterAll(() => backend.close())

describe('CaptureRun', () => {
  it('hooks a TLS library that the target loads after attach and announces it', async () => {
    // Loads libssl only when told, i.e. surely after the agent is in.
    const target = spawn('python3', [
      '-c',
      "import sys,ctypes; print('ready', flush=True); sys.stdin.readline(); ctypes.CDLL('libssl.so.3'); sys.stdin.readline()",
    ])
    started.push(target)
    await new Promise((r) => target.stdout!.once('data', r))
    const run = new CaptureRun(backend, agentSource(), { host: null, target: { pids: [target.pid!] } })
    const inventories: HookedFunction[][] = []
    run.on('hooks', (h) => inventories.push(h))
    await run.start()
    expect(inventories[0].some((h) => h.module === 'libssl.so.3')).toBe(false)
    expect(inventories[0].some((h) => h.fn === 'write' && h.group === 'socket')).toBe(true)
    target.stdin!.write('load\n')
    await until(() => inventories.length > 1, 'hooks in the late module')
    expect(inventories[1].map((h) => `${h.fn}@${h.module}`)).toEqual(
      expect.arrayContaining(['SSL_write@libssl.so.3', 'SSL_write_ex@libssl.so.3', 'SSL_read@libssl.so.3']),
    )
    expect(await run.stop()).toEqual({ status: 'completed', reason: 'stopped' })
  })

  it('re-attaches when the app starts again and keeps recording into the same session', async () => {
    const cert = makeCert()
    const server = await startHttpsServer(cert)
    // A copy of curl under a name no other process has, so "the app" is unambiguous.
    const name = `crl${process.pid % 100000}`
    const bin = join(tempDir(), name)
    copyFileSync('/usr/bin/curl', bin)
    const curl = (tag: string) =>
      start(bin, curlArgs(cert.cert, tag, Array(100).fill(`${server.url}/${tag}`)))
    const dir = tempDir()
    const store = SessionStore.open({ dir })
    try {
      const first = curl('first')
      await server.waitFor(1)
      const run = new CaptureRun(backend, agentSource(), {
        host: null,
        target: { pids: [first.pid!] },
        reattach: true,
      })
      let sessionId = 0
      recordRun(run, store, {}, (s) => (sessionId = s.id))
      const caps: Capture[] = []
      const pids: number[] = []
      run.on('capture', (c) => caps.push(c))
      run.on('attach', (a) => pids.push(a.pid))
      await run.start()
      const text = () => caps.map((c) => Buffer.from(c.data).toString('latin1')).join('')
      await until(() => text().includes('POST /first'), 'a capture from the first instance')
      first.kill('SIGKILL')
      const second = curl('second')
      await until(() => text().includes('POST /second'), 'a capture from the restarted app')
      expect(pids).toEqual([first.pid, second.pid])
      expect(await run.stop()).toEqual({ status: 'completed', reason: 'stopped' })
      expect(store.getSession(sessionId).status).toBe('completed')
      const events = store.events(sessionId).map((e) => e.kind)
      expect(events.filter((k) => k === 'attach')).toHaveLength(2)
      expect(events).toContain('detach')
      expect(store.captures(sessionId).length).toBe(caps.length)
    } finally {
      store.close()
      await server.close()
    }
  })

  it('kills a spawned target that could not be set up instead of leaving it suspended', async () => {
    const run = new CaptureRun(backend, agentSource(), {
      host: null,
      target: { spawn: ['/usr/bin/sleep', '30'] },
      hooks: ['no-such-group' as HookGroup],
    })
    let pid = 0
    run.on('attach', (a) => (pid = a.pid))
    await expect(run.start()).rejects.toThrow(/unknown hook groups: no-such-group/)
    expect(pid).toBeGreaterThan(0)
    await until(() => {
      try {
        process.kill(pid, 0)
        return false
      } catch {
        return true
      }
    }, 'the spawned process to be gone')
  })

  it('fails to start, rather than hanging, when the detach after a failed setup never returns', async () => {
    const target = start('/usr/bin/sleep', ['30'])
    // Frida's detach from a process whose agent failed has blocked for good (seen with Chromium); it cannot be
    // made to block on demand, so the real session's detach is replaced by one that never returns.
    const stuck: FridaBackend = Object.create(backend) as FridaBackend
    stuck.open = async (...args) =>
      Object.assign(await backend.open(...args), { detach: () => new Promise<void>(() => {}) })
    const run = new CaptureRun(stuck, agentSource(), {
      host: null,
      target: { pids: [target.pid!] },
      hooks: ['no-such-group' as HookGroup],
    })
    await expect(run.start()).rejects.toThrow(/unknown hook groups: no-such-group/)
  }, 20_000)

  it('drops, with one warning, the events that arrive after the session ended and the store closed', async () => {
    const target = start('sleep', ['60'])
    const run = new CaptureRun(backend, agentSource(), { host: null, target: { pids: [target.pid!] } })
    const dir = tempDir()
    const store = SessionStore.open({ dir })
    let sessionId = 0
    recordRun(run, store, {}, (s) => (sessionId = s.id))
    const warnings: string[] = []
    run.on('warning', (w) => warnings.push(w))
    await run.start()
    await run.stop()
    const kept = store.events(sessionId).length
    store.close()
    // What a detach, a late agent log or a late warning would deliver once the CLI has closed the store.
    run.emit('detach', { pid: target.pid!, reason: 'process-terminated', crash: null })
    run.emit('log', 'late', target.pid!)
    run.emit('warning', 'late')
    expect(warnings.filter((w) => /after the session ended were dropped/.test(w))).toHaveLength(1)
    const reopened = SessionStore.open({ dir })
    try {
      expect(reopened.events(sessionId)).toHaveLength(kept)
    } finally {
      reopened.close()
    }
  })

  it('ends as failed with the reason when the Frida backend dies', async () => {
    const own = await PythonBackend.start()
    const target = start('sleep', ['60'])
    const run = new CaptureRun(own, agentSource(), { host: null, target: { pids: [target.pid!] } })
    await run.start()
    process.kill(own.pid!, 'SIGKILL')
    const end = await run.done
    expect(end.status).toBe('failed')
    expect(end.reason).toMatch(/^Frida backend died/)
  })
})
