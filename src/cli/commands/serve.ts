import type { Command } from 'commander'
import { createApp } from '../../core/app'
import { UserError } from '../../core/errors'
import { startWebServer } from '../../core/web/server'
import { action } from '../action'

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run MuteScope in web mode: the UI in your browser, served on this machine only')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '0')
    .option('--host <addr>', 'loopback address to listen on', '127.0.0.1')
    .action(
      action(async (opts: { port: string; host: string }) => {
        const port = Number(opts.port)
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new UserError(`--port must be 0..65535, got "${opts.port}"`)
        }
        const app = createApp({ transport: 'web' })
        const server = await startWebServer(app, { host: opts.host, port }).catch(async (err: unknown) => {
          await app.close()
          throw err
        })
        process.stdout.write(`MuteScope listening on ${server.url}\n`)
        const stop = async () => {
          await server.close()
          await app.close()
          process.exit(0)
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      }),
    )
}
