import { readFileSync } from 'node:fs'

/**
 * Whether a local process runs under a seccomp filter (browsers' renderers, GPU and content processes).
 * Frida's agent makes system calls those filters forbid, and the process is killed for it; such processes
 * also do no networking of their own (their sockets live in an unsandboxed process), so they are left alone.
 * False where it cannot be read (another OS, a remote device, a process that is gone).
 */
export function seccompSandboxed(pid: number, host: string | null): boolean {
  if (host !== null || process.platform !== 'linux') return false
  try {
    const m = /^Seccomp:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))
    return m !== null && Number(m[1]) === 2
  } catch {
    return false
  }
}
