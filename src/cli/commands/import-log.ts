import type { Command } from 'commander'
import { UserError } from '../../core/errors'
import { type LogFormat, logFormats } from '../../core/importlog/decode-log'
import { importLog } from '../../core/importlog/import-log'
import { SessionStore } from '../../core/store/session-store'
import { action, printJsonLine } from '../action'

/** Problems and truncated requests listed one by one before the rest are only counted. */
const listed = 20

export function registerImportLog(program: Command): void {
  program
    .command('import-log <file>')
    .description(
      "turn another tool's plaintext log (x64dbg, API Monitor hex dumps, or raw bytes) into a session of telemetry records",
    )
    .requiredOption('--format <format>', `the log's format: ${logFormats.join(', ')}`)
    .option('--profile <name|path>', 'extraction profile: webex, generic, or a profile JSON file', 'webex')
    .option('--name <text>', "session name (default: the log's file name)")
    .option('--json', 'print one JSON object')
    .action(
      action((file: string, opts: { format: string; profile: string; name?: string; json?: boolean }) => {
        if (!(logFormats as readonly string[]).includes(opts.format))
          throw new UserError(`--format must be one of ${logFormats.join(', ')}, got "${opts.format}"`)
        const store = SessionStore.open()
        let result: ReturnType<typeof importLog>
        try {
          result = importLog(store, file, {
            format: opts.format as LogFormat,
            profile: opts.profile,
            name: opts.name,
          })
        } finally {
          store.close()
        }
        const { session, requests, records, truncated, problems } = result
        if (opts.json)
          return printJsonLine({
            sessionId: session.id,
            requests,
            records,
            truncated: truncated.length,
            problems: problems.length,
          })
        const lines = [
          `session ${session.id}: ${records} telemetry record(s) from ${requests} request(s) in ${file}` +
            (truncated.length > 0 ? `; ${truncated.length} request(s) truncated in the log` : ''),
          ...truncated
            .slice(0, listed)
            .map((t) => `  truncated in the log: request at line ${t.line}: ${t.reason}`),
          ...problems.slice(0, listed).map((p) => `  not decodable: ${p.stage}: ${p.message}`),
        ]
        if (truncated.length > listed) lines.push(`  ... ${truncated.length - listed} more truncated`)
        if (problems.length > listed) lines.push(`  ... ${problems.length - listed} more not decodable`)
        process.stdout.write(lines.join('\n') + '\n')
      }),
    )
}
