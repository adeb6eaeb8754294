import { createApp } from '../core/app'
import { UserError } from '../core/errors'
import { dataDir } from '../core/paths'
import type { Input, Output, RequestName } from '../shared/contract'

/** One request of the API, as the UI makes it; a refusal throws. */
export type Call = <K extends RequestName>(method: K, input: Input<K>) => Promise<Output<K>>

/**
 * Runs a command's requests through the dispatcher that Electron's IPC and web mode's WebSocket call, so the
 * CLI validates and fails exactly as they do. The app is opened on the CLI's data folder for the command, with
 * its heavy jobs on this thread (there is no window to keep responsive), and closed after. A refused request
 * throws a UserError with the core's message (the command prints it and exits 1); a failure of the core itself
 * stays an Error (exit 2).
 */
export async function withApi<T>(fn: (call: Call) => Promise<T>): Promise<T> {
  const app = createApp({ dataDir: dataDir(), transport: 'cli', inlineJobs: true })
  const call: Call = async (method, input) => {
    const reply = await app.dispatch(method, input)
    if (reply.ok) return reply.result as Output<typeof method>
    if (reply.error.code === 'internal') throw new Error(reply.error.message)
    throw new UserError(reply.error.message, reply.error.code)
  }
  try {
    return await fn(call)
  } finally {
    await app.close()
  }
}

/** One request, for a command that makes only one. */
export function callApi<K extends RequestName>(method: K, input: Input<K>): Promise<Output<K>> {
  return withApi((call) => call(method, input))
}
