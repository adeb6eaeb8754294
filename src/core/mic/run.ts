import { execFile, spawnSync } from 'node:child_process'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs a probe command; null when the program itself is missing (so callers can say what to install). */
export function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<RunResult | null> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, windowsHide: true }, (err, stdout, stderr) => {
      const code = (err as NodeJS.ErrnoException | null)?.code
      if (code === 'ENOENT') return resolve(null)
      resolve({ code: err ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr })
    })
  })
}

/** The synchronous form, for process 'exit' handlers where nothing asynchronous runs any more. */
export function runSync(cmd: string, args: string[]): RunResult | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000, windowsHide: true })
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return null
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
}
