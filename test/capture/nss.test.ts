import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentSession } from '../../src/core/capture/backend'
import { PythonBackend } from '../../src/core/capture/python-backend'
import { repoRoot } from '../support/helpers'

// The NSS hook's layer walk, inside a real Frida session, on real NSPR/NSS layer stacks (the system's
// libnspr4 and libssl3) and on hand-broken descriptors.
let backend: PythonBackend
let target: ChildProcess
let session: AgentSession

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [join(repoRoot, 'test', 'capture', 'fixtures', 'nss.agent.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
  })
  target = spawn('python3', [
    '-c',
    'import ctypes, time; ctypes.CDLL("libssl3.so"); print("loaded", flush=True); time.sleep(60)',
  ])
  await new Promise<void>((resolve, reject) => {
    target.stdout!.once('data', () => resolve())
    target.once('exit', (code) => reject(new Error(`target exited with ${code}`)))
  })
  backend = await PythonBackend.start()
  session = await backend.open(null, { pid: target.pid! }, bundle.outputFiles[0].text)
})
afterAll(async () => {
  await session?.detach()
  await backend?.close()
  target?.kill('SIGKILL')
})

describe('nssSocket', () => {
  it('finds the SSL layer and its OS socket without calling NSPR, and refuses broken stacks', async () => {
    const r = await session.call<Record<string, unknown>>('run')
    expect(r.plainBeforeInit).toBeNull()
    expect(r.file).toBeNull()
    expect(r.osfd).toBeGreaterThan(2)
    expect(r.ssl).toBe(r.osfd)
    expect(r.sslUnderAppLayer).toBe(r.osfd)
    expect(r.sslUnderAppLayerRefreshed).toBe(r.osfd)
    expect(r.layeredPlain).toBeNull()
    expect(r.bad).toEqual({
      null: null,
      low: null,
      unaligned: null,
      unmapped: null,
      lowerUnmapped: null,
      lowerWild: null,
      secretUnmapped: null,
      secretForeign: null,
      cyclic: null,
    })
  })
})
