import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { platform } from 'node:os'

/**
 * When a process started, as a number that tells it from a later process given the same pid: on Linux
 * the starttime field of /proc/PID/stat (clock ticks after boot); on macOS and the BSDs what `ps` says
 * (to the second); null where neither is available (Windows) or the process does not exist.
 */
export function processStartTime(pid: number): number | null {
  if (platform() === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
      // Field 2 (the command) is in parentheses and may hold spaces and ")"; field 22 is starttime.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const ticks = Number(fields[19])
      return Number.isFinite(ticks) ? ticks : null
    } catch {
      return null
    }
  }
  if (platform() === 'win32') return null
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 })
  const t = ps.status === 0 ? Date.parse(ps.stdout.trim()) : NaN
  return Number.isFinite(t) ? t : null
}

/**
 * Whether the process that recorded `startTime` with its pid still runs. A live pid with another start
 * time is a new process that reused the pid; where the start time is unknown, the pid alone decides.
 */
export function processAlive(pid: number | null, startTime: number | null): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (startTime === null) return true
  const now = processStartTime(pid)
  return now === null || now === startTime
}
