import { spawn } from 'node:child_process'

/** A Node script running as a process of its own (Frida attaches to it by pid). */
export interface NodeProcess {
  pid: number
  stdout: NodeJS.ReadableStream
  stderr: NodeJS.ReadableStream
  /** Resolves once the process has ended, with how: "code 0", "SIGTERM". */
  exited: Promise<string>
  /** Asks it to end (SIGTERM). */
  kill(): void
}

/**
 * Starts `script args…` under a Node runtime and resolves once the process exists. The CLI and web mode use
 * `spawnNode`; Electron's main process passes one built on utilityProcess.fork, because the packaged app's
 * runAsNode fuse is off: its executable no longer runs scripts under ELECTRON_RUN_AS_NODE.
 */
export type NodeLauncher = (script: string, args: string[]) => Promise<NodeProcess>

/** This same Node executable, as a child process. */
export const spawnNode: NodeLauncher = (script, args) => {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)),
  )
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.once('spawn', () =>
      resolve({
        pid: child.pid!,
        stdout: child.stdout,
        stderr: child.stderr,
        exited,
        kill: () => void child.kill('SIGTERM'),
      }),
    )
  })
}
