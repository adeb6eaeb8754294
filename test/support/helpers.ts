import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { referenceDir } from '../../src/core/reference/location'

export const repoRoot = resolve(__dirname, '..', '..')
/**
 * The reference data as `npm run setup` fetched it (`mutescope data fetch`): the authors' files, paper-gains/
 * and webex-telemetry/packets.jsonl derived from them; MUTESCOPE_REFERENCE_DATA moves it.
 */
export const referenceData = referenceDir()
/** The independently extracted copy (../shared/data here), which derived data is checked against. */
export const sharedData = process.env.MUTESCOPE_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data')
export const cliPath = join(repoRoot, 'bin', 'mutescope.cjs')

export function tempDir(prefix = 'mutescope-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs the built `mutescope` CLI synchronously with its own data directory. */
export function runCli(
  args: string[],
  opts: { dataDir: string; input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): CliResult {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 60_000,
    env: { ...process.env, MUTESCOPE_DATA_DIR: opts.dataDir, ...opts.env },
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Starts `mutescope serve` (with `args`, e.g. --host) and resolves with its URL once it prints it. */
export function startServe(dataDir: string, env: NodeJS.ProcessEnv = {}, args: string[] = []) {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', ...args], {
    env: { ...process.env, MUTESCOPE_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const url = new Promise<string>((resolveUrl, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /MuteScope listening on (http:\/\/\S+)/.exec(out)
      if (m) resolveUrl(m[1])
    })
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
  })
  return {
    child,
    url,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done()
        child.once('exit', () => done())
        child.kill('SIGTERM')
      }),
  }
}

/**
 * `mutescope ARGS` in the background with its own data directory, run through `wrap` (e.g. `ip netns exec NS`)
 * when given; `out` collects its stdout and stderr as they come.
 */
export function spawnCli(args: string[], dataDir: string, wrap: string[] = []) {
  const argv = [...wrap, process.execPath, cliPath, ...args]
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...process.env, MUTESCOPE_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = { stdout: '', stderr: '' }
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, out, exited }
}

/** `mutescope run` in the background; resolves `seen(re)` once its log (stderr with --json) matches. */
export function startRun(dataDir: string, args: string[]) {
  const { child, out, exited } = spawnCli(['run', ...args, '--json'], dataDir)
  const seen = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${re} within 40 s: ${out.stderr}`)), 40_000)
      const check = () => {
        const m = re.exec(out.stderr)
        if (m) {
          clearTimeout(timer)
          child.stderr!.off('data', check)
          resolve(m)
        }
      }
      child.stderr!.on('data', check)
      void exited.then(() => reject(new Error(`run ended before ${re}: ${out.stderr}`)))
      check()
    })
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const end = async () => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000)
    const code = await closed
    clearTimeout(timer)
    if (!out.stdout.trim())
      throw new Error(`run ended with ${code} and no result: ${out.stderr.slice(-2000)}`)
    return { code, stderr: out.stderr, last: JSON.parse(out.stdout.trim().split('\n').pop()!) }
  }
  return { child, seen, end }
}
