import { spawn, type ChildProcess } from 'node:child_process'
import { build } from 'esbuild'
import type { AgentSession } from '../../src/core/capture/backend'
import { PythonBackend } from '../../src/core/capture/python-backend'

/**
 * A test agent (a `*.agent.ts` fixture that calls the agent's own code) loaded through pip's Frida into a
 * real process, `target` or else a sleeping one: for code whose OS does not exist here, run against memory
 * the fixture lays out or a program that stands in. `close()` detaches and ends the process.
 */
export async function fixtureAgent(
  entry: string,
  target: ChildProcess = spawn('sleep', ['120']),
): Promise<{ session: AgentSession; close(): Promise<void> }> {
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
  })
  const backend = await PythonBackend.start()
  try {
    const session = await backend.open(null, { pid: target.pid! }, bundle.outputFiles[0].text)
    return {
      session,
      async close() {
        await session.detach()
        await backend.close()
        target.kill('SIGKILL')
      },
    }
  } catch (err) {
    await backend.close()
    target.kill('SIGKILL')
    throw err
  }
}
