import type { Command } from 'commander'
import { printable } from '../../core/capture/bridge-protocol'
import { PythonBackend } from '../../core/capture/python-backend'
import { spawnArgv } from '../../core/capture/spawn-argv'
import { readPem } from '../../core/devices/certificate'
import { LabAgent } from '../../core/devices/lab-agent'
import { UserError } from '../../core/errors'
import { action, positiveInt } from '../action'
import { addressFlag, optionParser, tokenFlag } from '../frida-options'

interface LabAgentOpts {
  portal: string
  token: string
  cert?: string
  name?: string
  pid?: number
  spawn?: string
  tree?: boolean
}

function targetOf(opts: LabAgentOpts): { pids: number[] } | { name: string } | { spawn: string[] } {
  const given = [opts.pid, opts.name, opts.spawn].filter((v) => v !== undefined).length
  if (given !== 1) throw new UserError('give exactly one of --name APP, --pid N or --spawn "CMD ARGS"')
  if (opts.pid !== undefined) return { pids: [opts.pid] }
  if (opts.name !== undefined) return { name: opts.name }
  return { spawn: spawnArgv(opts.spawn ?? '', null) }
}

async function labAgent(opts: LabAgentOpts): Promise<void> {
  const target = targetOf(opts)
  const certificate = opts.cert ? readPem(opts.cert, '--cert', false).certificate : null
  const log = (s: string) => process.stderr.write(`mutescope: ${s}\n`)
  const backend = await PythonBackend.start()
  const agent = new LabAgent(backend, {
    portal: opts.portal,
    token: opts.token,
    certificate,
    target,
    tree: opts.tree ?? !('pids' in target),
    exclude: backend.pid === undefined ? [] : [backend.pid],
  })
  agent.on('joined', (p) => log(`joined pid ${p.pid} (${printable(p.name)}) to the portal at ${opts.portal}`))
  agent.on('left', (p) => log(`pid ${p.pid} (${printable(p.name)}) left the portal (${p.reason})`))
  agent.on('retry', (r) =>
    log(
      `could not join pid ${r.pid} (${printable(r.name)}): ${r.error}; trying again in ${r.retryMs / 1000} s`,
    ),
  )
  agent.on('warning', (w) => log(`warning: ${w}`))
  const stop = () => void agent.stop()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    log(`lab agent with Frida ${backend.version}, joining the portal at ${opts.portal}`)
    await agent.start()
    log(`ended: ${await agent.done}`)
    if (agent.failed) throw agent.failed
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    await agent.stop()
    await backend.close()
  }
}

export function registerLabAgent(program: Command): void {
  program
    .command('lab-agent')
    .description(
      "run on a lab machine: join the app's processes here to the workbench's portal, so that the workbench " +
        'captures them ("mutescope capture --device PORTAL"); joins its new processes and, with --name, the app ' +
        'started again; Frida rejoins by itself after a dropped link. Runs until Ctrl-C (with --pid or --spawn, ' +
        'until the app exits)',
    )
    .requiredOption(
      '--portal <host:port>',
      "the workbench portal's cluster endpoint",
      addressFlag('--portal'),
    )
    .requiredOption('--token <token>', 'the token "mutescope portal serve" printed', tokenFlag)
    .option('--cert <file>', 'PEM certificate the portal serves TLS with')
    .option('--name <app>', 'every process with this name (and the app started again later)')
    .option('--pid <n>', 'this process', optionParser(positiveInt('--pid')))
    .option('--spawn <command>', 'start this command and join it')
    .option('--tree', 'also the processes below the app (default for --name and --spawn)')
    .option('--no-tree', 'only the named or given processes')
    .action(action(labAgent))
}
