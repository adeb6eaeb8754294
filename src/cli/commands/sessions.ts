import type { Command } from 'commander'
import { clockOffsetText } from '../../shared/clock-offset-text'
import type { Session, SessionSummary } from '../../shared/model'
import { action, positiveInt, printJsonLine } from '../action'
import { callApi } from '../dispatch'

/** The session with its id first, as the CLI has always printed it (the contract puts it after the metadata). */
const idFirst = <S extends Session>({ id, ...rest }: S) => ({ id, ...rest })

function when(t: number | null): string {
  return t === null ? '-' : new Date(t).toISOString().replace('T', ' ').slice(0, 19)
}

function line(s: SessionSummary): string {
  const name = s.name || s.targetApp || '(unnamed)'
  return `${String(s.id).padStart(5)}  ${when(s.startedAt)}  ${s.status.padEnd(11)}  ${String(s.telemetryCount).padStart(6)} rec  ${name}`
}

function describe(s: Session): string {
  return Object.entries(s)
    .map(([k, v]) => `${k.padEnd(13)} ${Array.isArray(v) ? v.join(', ') : String(v ?? '')}`)
    .join('\n')
}

export function registerSessions(program: Command): void {
  const sessions = program
    .command('sessions')
    .description('list, show, delete, export and import stored sessions')
  const id = positiveInt('session id')

  sessions
    .command('list')
    .description('list stored sessions, newest first')
    .option('--search <text>', 'only sessions whose name, app, label, notes or status contain this', '')
    .option('--json', 'print a JSON array')
    .action(
      action(async (opts: { search: string; json?: boolean }) => {
        const list = (await callApi('listSessions', { search: opts.search })).map(idFirst)
        if (opts.json) printJsonLine(list)
        else if (list.length === 0) process.stdout.write('no sessions yet\n')
        else process.stdout.write(list.map(line).join('\n') + '\n')
      }),
    )

  sessions
    .command('show <id>')
    .description('show one session')
    .option('--json', 'print JSON')
    .action(
      action(async (raw: string, opts: { json?: boolean }) => {
        const { session, telemetry, levelWindows, clockOffsets } = await callApi('getSession', {
          id: id(raw),
        })
        const detail = { ...idFirst(session), telemetry: telemetry.length, windows: levelWindows.length }
        // Each device's clock against this computer's, as measured when its target started.
        const clocks = clockOffsets?.length ? { clockOffsets } : {}
        if (opts.json) printJsonLine({ ...detail, ...clocks })
        else
          process.stdout.write(
            describe({
              ...detail,
              ...(clocks.clockOffsets && {
                clockOffsets: clocks.clockOffsets.map((c) => `${c.device} ${clockOffsetText(c)}`),
              }),
            }) + '\n',
          )
      }),
    )

  sessions
    .command('delete <id>')
    .description('delete a session and everything recorded in it')
    .option('--json', 'print JSON')
    .action(
      action(async (raw: string, opts: { json?: boolean }) => {
        const { deleted: n } = await callApi('deleteSession', { id: id(raw) })
        if (opts.json) printJsonLine({ deleted: n })
        else process.stdout.write(`deleted session ${n}\n`)
      }),
    )

  sessions
    .command('export <id>')
    .description('write a session bundle that "sessions import" restores on another machine')
    .requiredOption('--out <file>', 'bundle file to write')
    .option('--json', 'print JSON')
    .action(
      action(async (raw: string, opts: { out: string; json?: boolean }) => {
        const n = id(raw)
        const { bytes } = await callApi('exportSessionFile', { id: n, file: opts.out })
        if (opts.json) printJsonLine({ id: n, out: opts.out, bytes })
        else process.stdout.write(`exported session ${n} to ${opts.out} (${bytes} bytes)\n`)
      }),
    )

  sessions
    .command('import <file>')
    .description('restore a session bundle as a new session')
    .option('--json', 'print JSON')
    .action(
      action(async (file: string, opts: { json?: boolean }) => {
        const s = idFirst(await callApi('importSessionFile', { file }))
        if (opts.json) printJsonLine(s)
        else process.stdout.write(`imported as session ${s.id}\n`)
      }),
    )
}
