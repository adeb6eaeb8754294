import { utilityProcess } from 'electron'
import type { NodeLauncher } from '../core/node-launcher'

/**
 * Node scripts (refvca) as Electron utility processes: Node processes of their own (Frida attaches by pid)
 * that need neither ELECTRON_RUN_AS_NODE, which the runAsNode fuse turns off, nor a Node on the machine.
 */
export const forkUtility: NodeLauncher = (script, args) => {
  const child = utilityProcess.fork(script, args, { stdio: 'pipe', serviceName: `mutescope ${args[0]}` })
  const exited = new Promise<string>((resolve) => child.once('exit', (code) => resolve(`code ${code}`)))
  return new Promise((resolve, reject) => {
    child.once('spawn', () =>
      resolve({
        pid: child.pid!,
        stdout: child.stdout!,
        stderr: child.stderr!,
        exited,
        kill: () => void child.kill(),
      }),
    )
    void exited.then((how) => reject(new Error(`${script} ${args[0]} could not start (${how})`)))
  })
}
