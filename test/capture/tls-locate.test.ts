import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FunctionLocator, TlsPatternSet } from '../../src/agent/pattern-types'
import type { AgentSession } from '../../src/core/capture/backend'
import { PythonBackend } from '../../src/core/capture/python-backend'
import { loadTlsPatterns } from '../../src/core/capture/tls-patterns'
import { repoRoot } from '../support/helpers'

// The pattern locators applied to Chromium's executable mapped from its file (nothing runs), inside a real
// Frida session: the code-structure locators and the raw bytes of the build they were made from must each
// find the BoringSSL functions, and agree. MUTESCOPE_TLS_BINARIES (paths separated by ":") adds builds this
// machine cannot run, e.g. an arm64 or an older Chromium, for checking a pattern file against them.
const installed = '/usr/lib/chromium/chromium'
const extra = (process.env.MUTESCOPE_TLS_BINARIES ?? '').split(':').filter(Boolean)
const hooked = ['SSL_read', 'SSL_write', 'ssl_log_secret']

interface Located {
  arch: string
  offsets: Record<string, number>
  clientRandom: { s3: number; random: number } | null
}

let backend: PythonBackend
let host: ChildProcess
let session: AgentSession
const boringssl = loadTlsPatterns().find((s) => s.library === 'boringssl')!
const version = /Chromium ([\d.]+)/.exec(
  execFileSync('chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
)![1]

/** The set keeping the locators that `keep` says. */
function only(keep: (l: FunctionLocator, fn: string) => boolean): TlsPatternSet {
  const functions = Object.entries(boringssl.functions).map(([fn, ls]) => [fn, ls.filter((l) => keep(l, fn))])
  return { ...boringssl, functions: Object.fromEntries(functions) }
}
const structure = only((l) => l.kind !== 'bytes')
/** The byte patterns made from the installed build, for the hooked functions. */
const installedBytes = only(
  (l, fn) => !hooked.includes(fn) || (l.kind === 'bytes' && l.madeFrom.includes(version)),
)
const hasInstalledBytes = hooked.every((fn) => installedBytes.functions[fn].length > 0)

const locate = (path: string, set: TlsPatternSet) => session.call<Located>('locate', path, set)

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [join(repoRoot, 'test', 'capture', 'fixtures', 'map-elf.agent.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
  })
  host = spawn('sleep', ['120'])
  backend = await PythonBackend.start()
  session = await backend.open(null, { pid: host.pid! }, bundle.outputFiles[0].text)
})
afterAll(async () => {
  await session?.detach()
  await backend?.close()
  host?.kill('SIGKILL')
})

describe('BoringSSL locators on Chromium executables', () => {
  it.each([installed, ...extra])(
    '%s: the code-structure locators find SSL_write, SSL_read, ssl_log_secret and the client random',
    async (path) => {
      const r = await locate(path, structure)
      expect(Object.keys(r.offsets)).toEqual(expect.arrayContaining(hooked))
      expect(new Set(hooked.map((fn) => r.offsets[fn])).size).toBe(3)
      expect(r.clientRandom).not.toBeNull()
    },
    60_000,
  )

  it.skipIf(!hasInstalledBytes)(
    `the byte patterns made from Chromium ${version} find the same functions`,
    async () => {
      const byStructure = await locate(installed, structure)
      const byBytes = await locate(installed, installedBytes)
      for (const fn of hooked) expect(byBytes.offsets[fn]).toBe(byStructure.offsets[fn])
    },
    60_000,
  )
})
