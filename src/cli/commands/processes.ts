import type { Command } from 'commander'
import type { BackendChoice } from '../../shared/contract/capture'
import { action, printJsonLine } from '../action'
import { callApi } from '../dispatch'
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
        const list = await callApi('listProcesses', { host: opts.host, backend: opts.backend })
        if (opts.json) printJsonLine(list)
        else
          process.stdout.write(list.map((p) => `${String(p.pid).padStart(7)}  ${p.name}`).join('\n') + '\n')
      }),
    )
}
