import { createApp } from '../core/app'
import { UserError } from '../core/errors'
import { dataDir } from '../core/paths'
import type { Input, Output, RequestName } from '../shared/contract'

/**
 * Makes one request through the dispatcher that Electron's IPC and web mode's WebSocket call, so the CLI
 * validates and fails exactly as they do. The app is opened on the CLI's data folder for the request, with its
 * heavy jobs on this thread (there is no window to keep responsive), and closed after. A refused request
 * throws a UserError with the core's message (the command prints it and exits 1); a failure of the core itself
 * stays an Error (exit 2).
 */
export async function callApi<K extends RequestName>(method: K, input: Input<K>): Promise<Output<K>> {
  const app = createApp({ dataDir: dataDir(), transport: 'cli', inlineJobs: true })
  try {
    const reply = await app.dispatch(method, input)
    if (reply.ok) return reply.result as Output<K>
    if (reply.error.code === 'internal') throw new Error(reply.error.message)
    throw new UserError(reply.error.message, reply.error.code)
  } finally {
    await app.close()
  }
}
