import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { cliPath, type CliResult, repoRoot } from './helpers'

/** Preloaded into the CLI: prints the process's peak resident memory when it exits. */
const reporter = join(repoRoot, 'test', 'support', 'report-peak-rss.cjs')

/** Runs the built CLI like runCli and also returns its peak RSS in MiB (memory, not time: fine to assert). */
export function runCliPeakRss(
  args: string[],
  opts: { dataDir: string; timeoutMs?: number },
): CliResult & { peakMiB: number } {
  const r = spawnSync(process.execPath, ['--require', reporter, cliPath, ...args], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    env: { ...process.env, MUTESCOPE_DATA_DIR: opts.dataDir },
  })
  const m = /^peak-rss-kib (\d+)$/m.exec(r.stderr)
  if (!m) throw new Error(`the CLI did not report its peak RSS (status ${r.status}): ${r.stderr}`)
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr.replace(m[0], '').trim(),
    peakMiB: Number(m[1]) / 1024,
  }
}
