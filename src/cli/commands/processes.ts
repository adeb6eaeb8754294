import type { Command } from 'commander'
import type { BackendChoice } from '../../core/capture/backend'
import { openBackend } from '../../core/capture/select-backend'
import { action, printJsonLine } from '../action'
import { backendOption, hostOption } from '../frida-options'

export function registerProcesses(program: Command): void {
  program
    .command('processes')
    .description('list the processes of this computer or of a remote frida-server, for capture --pid/--name')
    .addOption(hostOption())
    .addOption(backendOption())
    .option('--json', 'print a JSON array of {pid, name}')
    .action(
      action(async (opts: { host: string | null; backend: BackendChoice; json?: boolean }) => {
        const backend = await openBackend(opts.backend)
        try {
          const list = (await backend.listProcesses(opts.host)).sort(
            (a, b) => a.name.localeCompare(b.name) || a.pid - b.pid,
          )
          if (opts.json) printJsonLine(list)
          else
            process.stdout.write(list.map((p) => `${String(p.pid).padStart(7)}  ${p.name}`).join('\n') + '\n')
        } finally {
          await backend.close()
        }
      }),
    )
}
