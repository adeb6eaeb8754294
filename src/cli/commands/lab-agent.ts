import type { Command } from 'commander'
import { hostname } from 'node:os'
import { printable } from '../../core/capture/bridge-protocol'
import { PythonBackend } from '../../core/capture/python-backend'
import { spawnArgv } from '../../core/capture/spawn-argv'
import { readPem } from '../../core/devices/certificate'
import { LabAgent } from '../../core/devices/lab-agent'
import { LabMicOffer } from '../../core/devices/lab-link-agent'
import { UserError } from '../../core/errors'
import { micSetup } from '../../core/mic'
import { labMachineName, type LabMic } from '../../shared/contract/devices'
import { defaultLabLinkPort } from '../../shared/contract/lab-link'
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
  lab?: string
  labCert?: string
  machine?: string
  mic: boolean
  micSink?: string
}

type Target = { pids: number[] } | { name: string } | { spawn: string[] }

function targetOf(opts: LabAgentOpts): Target | null {
  const given = [opts.pid, opts.name, opts.spawn].filter((v) => v !== undefined).length
  // Without an app, the agent only offers this machine's microphone (e.g. the machine that hosts the meeting).
  if (given === 0 && opts.mic) return null
  if (given !== 1)
    throw new UserError(
      'give one of --name APP, --pid N or --spawn "CMD ARGS" (or none, to offer only the microphone)',
    )
  if (opts.pid !== undefined) return { pids: [opts.pid] }
  if (opts.name !== undefined) return { name: opts.name }
  return { spawn: spawnArgv(opts.spawn ?? '', null) }
}

/**
 * This machine's microphone, offered over the lab link to the workbench; null (said why) when it is not offered.
 * The microphone made here stays after the agent ends: the lab machine's apps keep it selected.
 */
async function micOffer(opts: LabAgentOpts, log: (s: string) => void): Promise<LabMicOffer | null> {
  if (!opts.mic) return null
  const pinned = opts.labCert ?? opts.cert
  if (!pinned) {
    log(
      "warning: not offering this machine's microphone: give --lab-cert FILE, the certificate " +
        '"mutescope portal serve" printed (or --no-mic)',
    )
    return null
  }
  const certificate = readPem(pinned, opts.labCert ? '--lab-cert' : '--cert', false).certificate
  let mic: LabMic
  if (opts.micSink) mic = { sink: opts.micSink, source: null }
  else {
    const status = await micSetup()
    if (!status.ready || !status.outputDevice)
      throw new UserError(
        `no virtual microphone here: ${status.install ?? 'set one up'} (or --no-mic)`,
        'mic_missing',
      )
    mic = { sink: status.outputDevice, source: status.source }
  }
  const machine =
    opts.machine ??
    hostname()
      .replace(/[^\w.-]/g, '-')
      .slice(0, 64)
  const name = labMachineName.safeParse(machine)
  if (!name.success) throw new UserError(`--machine: ${name.error.issues[0].message}, got "${machine}"`)
  const address = opts.lab ?? `${opts.portal.slice(0, opts.portal.lastIndexOf(':'))}:${defaultLabLinkPort}`
  const offer = new LabMicOffer(
    { address, token: opts.token, certificate, label: `the workbench's lab link at ${address}` },
    name.data,
    mic,
  )
  offer.on('linked', () => log(`offers its microphone (sink ${mic.sink}) as "${name.data}" at ${address}`))
  offer.on('dropped', (d) => log(`lab link down: ${d.reason}; trying again in ${d.retryMs / 1000} s`))
  offer.on('playing', (p) => log(`playing the workbench's stream (${p.sampleRate} Hz) into ${mic.sink}`))
  offer.on('stopped', (p) => log(`stopped playing: ${p.reason}`))
  await offer.start()
  return offer
}

async function labAgent(opts: LabAgentOpts): Promise<void> {
  const target = targetOf(opts)
  const certificate = opts.cert ? readPem(opts.cert, '--cert', false).certificate : null
  const log = (s: string) => process.stderr.write(`mutescope: ${s}\n`)
  const offer = await micOffer(opts, log)
  if (!target) return offerOnly(offer!, log)
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
    await offer?.stop()
    await backend.close()
  }
}

/** No app to join: offers the microphone until Ctrl-C, or until the workbench refuses it. */
async function offerOnly(offer: LabMicOffer, log: (s: string) => void): Promise<void> {
  const stop = () => void offer.stop()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    await offer.done
    if (offer.failed) throw offer.failed
    log('ended: stopped')
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}

export function registerLabAgent(program: Command): void {
  program
    .command('lab-agent')
    .description(
      "run on a lab machine: join the app's processes here to the workbench's portal, so that the workbench " +
        'captures them ("mutescope capture --device PORTAL"); joins its new processes and, with --name, the app ' +
        "started again; Frida rejoins by itself after a dropped link. It also offers this machine's virtual " +
        'microphone to the workbench over the lab link (TLS, the same token), which the workbench plays into ' +
        '("mutescope play --play-on PORTAL:MACHINE"). Runs until Ctrl-C (with --pid or --spawn, until the app exits)',
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
    .option(
      '--lab <host:port>',
      `the workbench's lab link, where this machine offers its microphone (default: the portal host, port ${defaultLabLinkPort})`,
      addressFlag('--lab'),
    )
    .option(
      '--lab-cert <file>',
      'the lab link\'s certificate "mutescope portal serve" printed (default: --cert)',
    )
    .option('--machine <name>', "this machine's name at the workbench (default: its host name)")
    .option(
      '--mic-sink <name>',
      "play the workbench's stream into this sink (default: MuteScope's virtual microphone)",
    )
    .option('--no-mic', "do not offer this machine's microphone to the workbench")
    .action(action(labAgent))
}
