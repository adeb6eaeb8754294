import { createInterface } from 'node:readline'
import { z } from 'zod'
import { UserError } from '../errors'
import type { NodeLauncher, NodeProcess } from '../node-launcher'

/** The line `mutescope sink` prints once it listens (the parts a client needs). */
const listening = z.object({
  url: z.url({ protocol: /^https$/ }).max(200),
  cert: z.string().max(16_384),
})

export interface SinkProcess {
  process: NodeProcess
  url: string
  /** PEM of its self-signed certificate, for its clients to trust. */
  cert: string
}

/**
 * Starts `mutescope sink` (`cli` is the CLI's entry script) as a process of its own that ends with this one,
 * and resolves once it listens. Its later stdout lines (one per request received) go to `onLine`, its stderr
 * lines to `onError`.
 */
export async function startSinkProcess(
  launch: NodeLauncher,
  cli: string,
  on: { onLine?: (line: string) => void; onError: (line: string) => void },
): Promise<SinkProcess> {
  const sink = await launch(cli, ['sink', '--port', '0', '--parent', String(process.pid)])
  createInterface({ input: sink.stderr }).on('line', on.onError)
  return new Promise((resolve, reject) => {
    let ready = false
    createInterface({ input: sink.stdout }).on('line', (line) => {
      if (ready) return on.onLine?.(line)
      ready = true
      let l: z.infer<typeof listening>
      try {
        l = listening.parse(JSON.parse(line))
      } catch {
        sink.kill()
        return reject(new UserError(`the sink said "${line.slice(0, 200)}" instead of its address`))
      }
      resolve({ process: sink, url: l.url, cert: l.cert })
    })
    void sink.exited.then((how) => {
      if (!ready) reject(new UserError(`the sink could not start (${how}); run "mutescope sink" to see why`))
    })
  })
}
