import { spawn } from 'node:child_process'
import { build } from 'esbuild'
import type { AgentSession } from '../../src/core/capture/backend'
import { PythonBackend } from '../../src/core/capture/python-backend'

/**
 * A test agent (a `*.agent.ts` fixture that calls the agent's own code) loaded into a real process through
 * pip's Frida: for parsers of structures that only exist on another OS, run against memory the fixture lays
 * out. `close()` detaches and ends the process.
 */
export async function fixtureAgent(
  entry: string,
): Promise<{ session: AgentSession; close(): Promise<void> }> {
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
  })
  const target = spawn('sleep', ['120'])
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
