import type { Command } from 'commander'
import { openBackend } from '../../core/capture/select-backend'
import { readPem } from '../../core/devices/certificate'
import { probeDevices } from '../../core/devices/connect'
import {
  allDevices,
  findDevice,
  putDevice,
  removeDevice,
  viewOf,
  type Device,
} from '../../core/devices/registry'
import { UserError } from '../../core/errors'
import { dataDir } from '../../core/paths'
import { labDevice, type DeviceView, type LabDevice } from '../../shared/contract/devices'
import { action, printJsonLine } from '../action'

/** A device from the command line, checked like one from the UI; a problem names its flag. */
export function deviceFromFlags(input: Record<string, unknown>): LabDevice {
  const r = labDevice.safeParse(input)
  if (r.success) return r.data
  const flag: Record<string, string> = { kind: 'KIND', name: 'NAME', address: '--address', token: '--token' }
  throw new UserError(
    r.error.issues.map((i) => `${flag[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`).join('; '),
  )
}

function describe(d: DeviceView): string {
  const where = d.address ? ` at ${d.address}${d.tls ? ' (TLS)' : ''}` : ''
  const head = `${d.name}: ${d.kind === 'local' ? 'this computer' : d.kind}${where}`
  const s = d.status
  if (!s) return head
  if (!s.reachable) return `${head}\n  unreachable: ${s.error ?? ''}`
  const lines = [
    head,
    `  ${s.os ?? 'OS not reported'}; Frida ${s.frida ?? '(reported at attach)'}`,
    ...(s.joined ?? []).map(
      (j) => `  joined: pid ${j.pid} ${j.name} on ${j.os ?? '?'}, Frida ${j.frida ?? '?'}`,
    ),
  ]
  if (s.joined?.length === 0)
    lines.push('  no process has joined yet ("mutescope lab-agent" on a lab machine)')
  return lines.join('\n')
}

export function registerDevices(program: Command): void {
  const devices = program
    .command('devices')
    .description(
      'the devices a capture can attach through: this computer, frida-servers and portals of a lab (devices.json in the data folder)',
    )
  devices
    .command('list')
    .description("list the devices with each one's OS, Frida version and reachability")
    .option('--no-probe', 'do not ask the devices (only what is registered)')
    .option('--json', 'print a JSON array of {name, kind, address, token, tls, status}')
    .action(
      action(async (opts: { probe: boolean; json?: boolean }) => {
        const list = allDevices(dataDir())
        let views = list.map((d) => viewOf(d))
        if (opts.probe) {
          const backend = await openBackend('auto')
          try {
            const status = await probeDevices(backend, list)
            views = list.map((d, i) => viewOf(d, status[i]))
          } finally {
            await backend.close()
          }
        }
        if (opts.json) printJsonLine(views)
        else process.stdout.write(views.map(describe).join('\n') + '\n')
      }),
    )
  devices
    .command('add')
    .description(
      'add (or replace) a lab device: "frida-server NAME --address HOST:PORT [--token T] [--cert FILE]", or ' +
        '"portal NAME --address CONTROL_HOST:PORT --token T [--cert FILE]" ("mutescope portal serve" adds its own)',
    )
    .argument('<kind>', 'frida-server or portal')
    .argument('<name>', 'what captures call it: capture --device NAME')
    .requiredOption('--address <host:port>', "the frida-server's address, or the portal's control endpoint")
    .option('--token <token>', 'the token the device requires (a portal always does)')
    .option('--cert <file>', 'PEM certificate the device serves TLS with (its private key is never stored)')
    .option('--json', 'print the device as JSON')
    .action(
      action(
        (
          kind: string,
          name: string,
          opts: { address: string; token?: string; cert?: string; json?: boolean },
        ) => {
          if (kind !== 'frida-server' && kind !== 'portal')
            throw new UserError(`KIND must be frida-server or portal, got "${kind}"`)
          const device = deviceFromFlags({
            kind,
            name,
            address: opts.address,
            token: opts.token ?? null,
            certificate: opts.cert ? readPem(opts.cert, '--cert', false).certificate : null,
          })
          const dir = dataDir()
          putDevice(dir, device)
          const view = viewOf(findDevice(dir, name))
          if (opts.json) printJsonLine(view)
          else process.stdout.write(`added ${describe(view)}\n`)
        },
      ),
    )
  devices
    .command('remove')
    .description('remove a lab device (sessions captured through it stay)')
    .argument('<name>')
    .option('--json', 'print {removed: NAME}')
    .action(
      action((name: string, opts: { json?: boolean }) => {
        removeDevice(dataDir(), name)
        if (opts.json) printJsonLine({ removed: name })
        else process.stdout.write(`removed ${name}\n`)
      }),
    )
}

/** --device NAME of a command that attaches: the device, or null when not given (--host applies then). */
export function chosenDevice(name: string | undefined, host: string | null): Device | null {
  if (name === undefined) return null
  if (host !== null) throw new UserError('give --device NAME or --host HOST:PORT, not both')
  return findDevice(dataDir(), name)
}
