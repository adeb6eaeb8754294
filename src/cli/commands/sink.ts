import type { Command } from 'commander'
import { createWriteStream, writeFileSync } from 'node:fs'
import { UserError } from '../../core/errors'
import { startSink } from '../../core/sink/sink'
import { action, positiveInt, printJsonLine } from '../action'

export function registerSink(program: Command): void {
  program
    .command('sink')
    .description(
      'run a local HTTPS telemetry sink (self-signed certificate made at start); prints one JSON line when listening, then one per request received',
    )
    .option('--port <n>', 'port to listen on (0 picks a free one)', '0')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--cert-out <file>', 'write the certificate (PEM) here, for clients to trust (refvca --ca FILE)')
    .option(
      '--parent <pid>',
      'exit when this process ends (refvca starts its own sink so)',
      positiveInt('--parent'),
    )
    .option(
      '--captures <file>',
      'also write every decrypted byte received as capture JSON lines (for "decode --captures")',
    )
    .action(
      action(
        async (opts: {
          port: string
          host: string
          certOut?: string
          captures?: string
          parent?: number
        }) => {
          const port = Number(opts.port)
          if (!Number.isInteger(port) || port < 0 || port > 65535)
            throw new UserError(`--port must be 0..65535, got "${opts.port}"`)
          // Owner-only: the captures are plaintext.
          const captures = opts.captures
            ? createWriteStream(opts.captures, { flags: 'a', mode: 0o600 })
            : undefined
          captures?.on('error', (err) => {
            process.stderr.write(
              `mutescope: sink: cannot write ${opts.captures}: ${err.message}; choose a writable path\n`,
            )
            process.exit(1)
          })
          const sink = await startSink({
            host: opts.host,
            port,
            onReceived: printJsonLine,
            onCapture: captures && ((line) => captures.write(JSON.stringify(line) + '\n')),
          })
          if (opts.certOut) {
            try {
              writeFileSync(opts.certOut, sink.cert)
            } catch (err) {
              await sink.close()
              throw new UserError(
                `cannot write ${opts.certOut}: ${(err as Error).message}; choose a writable path`,
              )
            }
          }
          printJsonLine({
            event: 'listening',
            url: sink.url,
            fingerprint256: sink.fingerprint256,
            cert: sink.cert,
            pid: process.pid,
          })
          const stop = async () => {
            await sink.close()
            if (captures) await new Promise((resolve) => captures.end(resolve))
            process.exit(0)
          }
          process.once('SIGINT', stop)
          process.once('SIGTERM', stop)
          // Whoever read the log is gone (e.g. refvca was killed): nothing left to log for.
          process.stdout.on('error', () => void stop())
          if (opts.parent !== undefined) {
            const parent = opts.parent
            setInterval(() => {
              try {
                process.kill(parent, 0)
              } catch {
                void stop()
              }
            }, 1000).unref()
          }
        },
      ),
    )
}
