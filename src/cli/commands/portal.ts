import type { Command } from 'commander'
import { PythonBackend } from '../../core/capture/python-backend'
import { printable } from '../../core/capture/bridge-protocol'
import { readPem } from '../../core/devices/certificate'
import { labLinkPem } from '../../core/devices/lab-link'
import { startLabLink, type LabLinkEvent } from '../../core/devices/lab-link-server'
import {
  defaultCluster,
  defaultControl,
  localAddress,
  newPortalToken,
  splitAddress,
  startPortal,
} from '../../core/devices/portal'
import { putDevice } from '../../core/devices/registry'
import { dataDir } from '../../core/paths'
import { deviceName } from '../../shared/contract/devices'
import { defaultLabLinkPort } from '../../shared/contract/lab-link'
import { action, printJsonLine } from '../action'
import { addressFlag, optionParser, tokenFlag } from '../frida-options'
import { UserError } from '../../core/errors'

interface ServeOpts {
  cluster: string
  control: string
  lab?: string
  token?: string
  cert?: string
  name: string
  json?: boolean
}

const nameFlag = optionParser((value: string) => {
  const r = deviceName.safeParse(value)
  if (!r.success) throw new UserError(`--name: ${r.error.issues[0].message}, got "${value}"`)
  return r.data
})

/** What `portal serve` says of its lab link's traffic. */
function labLinkLine(e: LabLinkEvent): string {
  switch (e.what) {
    case 'lab-joined':
      return `lab machine "${e.machine}" offers its microphone (sink ${e.mic.sink}) from ${e.from}`
    case 'lab-left':
      return `lab machine "${e.machine}" left the lab link: ${e.reason}`
    case 'lab-playing':
      return `the workbench plays on lab machine "${e.machine}"`
    case 'lab-stopped':
      return `lab machine "${e.machine}" stopped playing: ${e.reason}`
    case 'lab-refused':
      return `refused a lab link from ${e.from}: ${e.reason}`
  }
}

async function serve(opts: ServeOpts): Promise<void> {
  const tls = opts.cert ? readPem(opts.cert, '--cert', true) : null
  const token = opts.token ?? newPortalToken()
  // The lab link serves the portal's certificate, or one of its own kept in the data folder for lab machines to pin.
  const labTls = tls ?? (await labLinkPem(dataDir()))
  const labAt =
    opts.lab ?? `${splitAddress(opts.cluster).address.replace(/^(.*:.*)$/, '[$1]')}:${defaultLabLinkPort}`
  const backend = await PythonBackend.start()
  const say = (text: string, json: Record<string, unknown>) =>
    opts.json ? printJsonLine(json) : process.stdout.write(text + '\n')
  try {
    backend.onPortal((e) => {
      const app = e.app ? `pid ${e.app.pid} ${printable(e.app.name)}` : ''
      say(`${e.what} ${app} (connection ${e.connection})`.replace('  ', ' '), { event: e.what, ...e })
    })
    await startPortal(backend, { cluster: opts.cluster, control: opts.control, token, pem: tls?.pem ?? null })
    const lab = await startLabLink({
      address: labAt,
      token,
      certificate: labTls.certificate,
      pem: labTls.pem,
      onEvent: ({ what, ...e }) => say(labLinkLine({ what, ...e } as LabLinkEvent), { event: what, ...e }),
    }).catch((err: NodeJS.ErrnoException) => {
      throw new UserError(`the lab link cannot listen at ${labAt} (${err.message}): choose another --lab`)
    })
    // The workbench reaches the control endpoint as a device; the token goes with it into devices.json (0600).
    putDevice(dataDir(), {
      kind: 'portal',
      name: opts.name,
      address: localAddress(opts.control),
      token,
      certificate: tls?.certificate ?? null,
      lab: { address: localAddress(lab.address), certificate: labTls.certificate },
    })
    say(
      `portal listening: lab machines join at ${opts.cluster}, the workbench controls at ${opts.control}` +
        `${tls ? ' (TLS)' : ''}; device "${opts.name}" (capture --device ${opts.name}); lab machines offer ` +
        `their microphone at ${lab.address} (TLS${'file' in labTls ? `, lab-agent --lab-cert ${labTls.file}` : ''})` +
        (opts.token ? '' : `\ntoken: ${token}`),
      {
        event: 'listening',
        cluster: opts.cluster,
        control: opts.control,
        tls: tls !== null,
        lab: lab.address,
        labCertificate: labTls.certificate,
        device: opts.name,
        frida: backend.version,
        ...(opts.token ? {} : { token }),
      },
    )
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await lab.close()
    await backend.stopPortal().catch(() => undefined)
  } finally {
    await backend.close()
  }
}

export function registerPortal(program: Command): void {
  program
    .command('portal')
    .description(
      'the workbench\'s Frida portal: lab machines join it ("mutescope lab-agent"), captures attach through it',
    )
    .command('serve')
    .description(
      "run Frida's portal until Ctrl-C and register it as a device; it listens on loopback unless told otherwise " +
        'and requires a token of lab machines and controllers alike',
    )
    .option(
      '--cluster <addr:port>',
      'where lab machines join (e.g. 0.0.0.0:27052 for every interface)',
      addressFlag('--cluster'),
      defaultCluster,
    )
    .option(
      '--control <addr:port>',
      'where the workbench attaches to the joined processes',
      addressFlag('--control'),
      defaultControl,
    )
    .option(
      '--lab <addr:port>',
      `where lab machines offer their microphone over TLS (default: the cluster address, port ${defaultLabLinkPort})`,
      addressFlag('--lab'),
    )
    .option('--token <token>', 'the token to require (default: a new random one, printed)', tokenFlag)
    .option('--cert <file>', 'PEM file with the TLS certificate and private key both endpoints serve')
    .option('--name <name>', 'the device name captures use', nameFlag, 'portal')
    .option('--json', 'print JSON lines: {event: "listening", ...}, then the node and controller events')
    .action(action(serve))
}
