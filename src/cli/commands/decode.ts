import type { Command } from 'commander'
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { UserError } from '../../core/errors'
import { openRegularFile } from '../../core/regular-file'
import { decodeCaptureText } from '../../core/telemetry/capture-lines'
import { type DecodeProblem, loadProfile, TelemetryDecoder } from '../../core/telemetry'
import type { TelemetryRecord } from '../../shared/model'
import { action, printJsonLine } from '../action'

/** The record as one output line: the profile's fields at top level, after ts, host and path. */
export function recordLine(r: TelemetryRecord): Record<string, unknown> {
  return { ts: new Date(r.t).toISOString(), host: r.host, path: r.path, ...r.fields }
}

function describeProblem(p: DecodeProblem): string {
  const kind = p.note ? 'note: ' : ''
  return `mutescope: decode: ${kind}${p.conn === null ? '' : `connection ${p.conn}: `}${p.stage}: ${p.message}\n`
}

function input(file: string): Readable {
  if (file === '-') return process.stdin
  const { fd } = openRegularFile(file, { what: 'capture file', fix: 'give a capture file or "-" for stdin' })
  return createReadStream('', { fd })
}

export function registerDecode(program: Command): void {
  program
    .command('decode [file]')
    .description(
      "decode telemetry records from captured plaintext (one connection's raw bytes, or capture JSON lines)",
    )
    .option(
      '--captures',
      'input is capture JSON lines {t, conn, fn, module, dir, peer, data} of many connections',
    )
    .option('--profile <name|path>', 'extraction profile: webex, generic, or a profile JSON file', 'webex')
    .option('--json', 'print one JSON line per record')
    .action(
      action(
        async (file: string | undefined, opts: { captures?: boolean; profile: string; json?: boolean }) => {
          const decoder = new TelemetryDecoder(loadProfile(opts.profile))
          // A reader that stops early (e.g. `| head`) is not an error.
          process.stdout.on('error', (err: NodeJS.ErrnoException) => {
            if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
          })
          const stream = input(file ?? '-')
          let problems = 0
          decoder.on('problem', (p) => {
            if (!p.note) problems++
            process.stderr.write(describeProblem(p))
          })
          decoder.on('record', (r) => {
            const line = recordLine(r)
            if (opts.json) printJsonLine(line)
            else
              process.stdout.write(
                Object.entries(line)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' ') + '\n',
              )
          })
          try {
            if (opts.captures) {
              let n = 0
              for await (const line of createInterface({ input: stream, crlfDelay: Infinity }))
                decodeCaptureText(line, decoder, ++n)
            } else {
              for await (const chunk of stream)
                decoder.push({ t: Date.now(), conn: 'input', dir: 'out', data: chunk as Buffer })
            }
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === undefined) throw err
            throw new UserError(`cannot read ${file ?? 'stdin'}: ${(err as Error).message}`)
          }
          decoder.end()
          if (problems > 0) {
            process.stderr.write(
              `mutescope: decode: ${problems} malformed part(s) skipped; the rest was decoded\n`,
            )
            process.exitCode = 1
          }
        },
      ),
    )
}
