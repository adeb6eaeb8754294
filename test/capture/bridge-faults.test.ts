import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { repoRoot, runCli, tempDir } from '../support/helpers'

// The bridge and the agent are outside MuteScope's control: what they print is checked, and a hung detach
// cannot hold the capture. Real Frida does neither on cue, so a stand-in bridge does (fixtures/fake-bridge.py).
const started: ChildProcess[] = []
afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null) p.kill('SIGKILL')
})

function fakePython(): string {
  const file = join(tempDir(), 'python')
  writeFileSync(
    file,
    `#!/bin/sh\nexec python3 -u ${join(repoRoot, 'test/capture/fixtures/fake-bridge.py')}\n`,
  )
  chmodSync(file, 0o755)
  return file
}

function target(): ChildProcess {
  const p = spawn('sleep', ['60'], { stdio: 'ignore' })
  started.push(p)
  return p
}

function capture(mode: string, pid: number, dataDir: string) {
  return runCli(['capture', '--pid', String(pid), '--duration', '2', '--backend', 'python', '--json'], {
    dataDir,
    timeoutMs: 30_000,
    env: { MUTESCOPE_PYTHON: fakePython(), FAKE_BRIDGE_MODE: mode, FAKE_BRIDGE_PID: String(pid) },
  })
}

describe('bridge and agent messages are checked, never trusted', () => {
  it('stores every good capture and counts the refused ones in the session log', () => {
    const dataDir = tempDir()
    const t = target()
    const r = capture('garbage', t.pid!, dataDir)
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).not.toMatch(/at .*\.cjs:\d+/) // no stack trace
    const store = SessionStore.open({ dir: dataDir })
    try {
      const [session] = store.listSessions()
      const kept = store.captures(session.id).map((c) => Buffer.from(c.data).toString())
      expect(kept).toEqual(['good-0001', 'good-0004', 'good-0005'])
      const log = JSON.stringify(store.events(session.id))
      expect(log).toContain('refused 5 malformed message(s)')
      expect(log).toContain('not JSON: this is an agent console.log')
      expect(session.status).toBe('completed')
    } finally {
      store.close()
    }
  })

  it('ends on --duration even when detach hangs, and leaves the target running', () => {
    const dataDir = tempDir()
    const t = target()
    const r = capture('hang', t.pid!, dataDir)
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/session \d+ completed: stopped/)
    expect(t.exitCode).toBeNull()
    expect(() => process.kill(t.pid!, 0)).not.toThrow()
  })
})
