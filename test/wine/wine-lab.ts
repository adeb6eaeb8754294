import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { expect } from 'vitest'
import { repoRoot, runCli, tempDir } from '../support/helpers'

/**
 * The Wine lab: Windows programs built from test/fixtures/windows with mingw-w64 into a temporary folder, run
 * by Debian's wine64 in a prefix of the test file's own, so that MuteScope's Windows hooks meet real Windows
 * code calling them.
 */

const fixtures = join(repoRoot, 'test', 'fixtures', 'windows')

/** Builds test/fixtures/windows/NAME.c against the Windows libraries `libs`; returns the .exe's (.dll's) path. */
export function buildProgram(name: string, libs: string[] = [], kind: 'exe' | 'dll' = 'exe'): string {
  const out = join(tempDir('mutescope-wine-bin-'), `${name}.${kind}`)
  const r = spawnSync(
    'x86_64-w64-mingw32-gcc',
    [
      '-O2',
      '-Wall',
      '-Werror',
      ...(kind === 'dll' ? ['-shared'] : []),
      '-o',
      out,
      join(fixtures, `${name}.c`),
      ...libs.map((l) => `-l${l}`),
    ],
    { encoding: 'utf8', timeout: 120_000 },
  )
  if (r.status !== 0) throw new Error(`mingw-w64 could not build ${name}.c: ${r.stderr || r.error}`)
  return out
}

export interface WinePrefix {
  env: NodeJS.ProcessEnv
  /** Ends the prefix's wineserver and every program still running in it. */
  close(): void
}

/** A new Wine prefix in a temporary folder, booted (creating it takes minutes on a busy machine). */
export function winePrefix(): WinePrefix {
  const env = {
    ...process.env,
    WINEPREFIX: tempDir('mutescope-wine-'),
    WINEDEBUG: '-all',
    // No Mono or Gecko: console programs need neither, and their installers would wait for a click.
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
  }
  const r = spawnSync('wineboot', ['-i'], { env, encoding: 'utf8', timeout: 600_000 })
  if (r.status !== 0) throw new Error(`wineboot failed (${r.status ?? r.error}): ${r.stderr}`)
  return {
    env,
    close: () => void spawnSync('wineserver', ['-k'], { env, timeout: 60_000 }),
  }
}

/** The Windows name Wine gives a Linux path (drive Z: is the root). */
export function windowsPath(path: string): string {
  return `Z:${path.replaceAll('/', '\\')}`
}

export interface WineProgram {
  child: ChildProcess
  /** The Linux pid of the program (wine execs into it), which MuteScope attaches to. */
  pid: number
  stderr(): string
  stop(): Promise<void>
}

/** Runs a fixture program under Wine; resolves once it printed "ready" (bounded by `timeoutMs`). */
export function startWine(
  exe: string,
  args: string[],
  prefix: WinePrefix,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
) {
  const child = spawn('wine', [exe, ...args], {
    env: { ...prefix.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const program: WineProgram = {
    child,
    pid: child.pid!,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      }),
  }
  return new Promise<WineProgram>((resolve, reject) => {
    const timer = setTimeout(() => {
      void program.stop()
      reject(new Error(`${exe} did not say ready within ${timeoutMs / 1000} s: ${stderr}`))
    }, timeoutMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${exe} exited with ${code}: ${stderr}`))
    })
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.trim() !== 'ready') return
      clearTimeout(timer)
      resolve(program)
    })
  })
}

/** Decoding `raw` (a --raw capture file) gives, for every body in `bodies`, its record with seq and audioMeanGain. */
export function expectDecoded(raw: string, dataDir: string, bodies: string[]): void {
  const decoded = runCli(['decode', raw, '--captures', '--profile', 'generic', '--json'], { dataDir })
  expect(decoded.status, decoded.stderr).toBe(0)
  const records = decoded.stdout
    .split('\n')
    .filter((l) => l.includes('audioMeanGain'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  for (const body of bodies) {
    const { seq, audioMeanGain } = JSON.parse(body) as { seq: number; audioMeanGain: number }
    expect(records).toContainEqual(expect.objectContaining({ path: '/telemetry', seq, audioMeanGain }))
  }
}
