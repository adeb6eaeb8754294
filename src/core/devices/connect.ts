import { z } from 'zod'
import type { DeviceView } from '../../shared/contract/devices'
import type { FridaBackend } from '../capture/backend'
import { printable } from '../capture/bridge-protocol'
import { errorMessage } from '../errors'
import { labLinkOf, labOffers } from './lab-link'
import { deviceLabel, type Device } from './registry'

/** How long a device may take to say what it is before it is shown unreachable. */
export const probeTimeoutMs = 8000

/**
 * Makes `device` reachable through `backend` (its token and certificate) and returns the host a CaptureRun
 * and the backend take for it: null for this computer. A backend knows one device per address.
 */
export async function useDevice(backend: FridaBackend, device: Device): Promise<string | null> {
  if (device.kind === 'local') return null
  await backend.addRemote(device.address, {
    token: device.token,
    certificate: device.certificate,
    label: deviceLabel(device),
  })
  return device.address
}

/** Frida's system parameters, as far as they are shown: what a device says is checked, never trusted. */
const systemParameters = z
  .object({
    os: z
      .object({ name: z.string().max(200), version: z.string().max(100).optional() })
      .partial()
      .optional(),
    platform: z.string().max(50).optional(),
    arch: z.string().max(50).optional(),
    name: z.string().max(256).optional(),
  })
  .passthrough()

const rawInfo = z.object({
  system: z.unknown(),
  processes: z
    .array(
      z.object({
        pid: z.number().int(),
        name: z.string().max(1024),
        system: z.unknown(),
        frida: z.string().max(64).nullable(),
      }),
    )
    .max(10_000)
    .nullable(),
})

/** "Debian GNU/Linux 12 (x64) on lab1", or null when the device does not say. */
export function describeSystem(raw: unknown): string | null {
  const r = systemParameters.safeParse(raw)
  if (!r.success) return null
  const s = r.data
  const os = [s.os?.name ?? s.platform, s.os?.version].filter(Boolean).join(' ')
  if (!os) return null
  return printable(`${os}${s.arch ? ` (${s.arch})` : ''}${s.name ? ` on ${s.name}` : ''}`)
}

type Status = NonNullable<DeviceView['status']>

/** The device's OS, Frida version and reachability, within `timeoutMs`. */
export async function probeDevice(
  backend: FridaBackend,
  device: Device,
  timeoutMs = probeTimeoutMs,
): Promise<Status> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs)
  })
  try {
    const host = await useDevice(backend, device)
    const info = rawInfo.parse(await Promise.race([backend.deviceInfo(host), late]))
    const lab = device.kind === 'local' ? null : labLinkOf(device)
    // A portal's lab link answers apart: its failure leaves the portal itself reachable.
    const machines = lab
      ? await Promise.race([labOffers(lab), late]).catch((err: unknown) => new Error(errorMessage(err)))
      : undefined
    return {
      reachable: true,
      error: machines instanceof Error ? `its lab link did not answer: ${machines.message}` : null,
      ...(machines && !(machines instanceof Error) ? { machines } : {}),
      os: describeSystem(info.system),
      // A frida-server does not say its version; the agent tells it once attached.
      frida: device.kind === 'local' ? backend.version : null,
      joined:
        info.processes?.map((p) => ({
          pid: p.pid,
          name: printable(p.name),
          os: describeSystem(p.system),
          frida: p.frida === null ? null : printable(p.frida),
        })) ?? null,
    }
  } catch (err) {
    return { reachable: false, error: errorMessage(err), os: null, frida: null, joined: null }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Probes devices at once, except those sharing an address: a backend keeps one set of options per address,
 * so those go one after another.
 */
export async function probeDevices(backend: FridaBackend, devices: Device[]): Promise<Status[]> {
  const byAddress = new Map<string, number[]>()
  devices.forEach((d, i) => {
    const key = d.kind === 'local' ? '' : d.address
    byAddress.set(key, [...(byAddress.get(key) ?? []), i])
  })
  const out: Status[] = new Array<Status>(devices.length)
  await Promise.all(
    [...byAddress.values()].map(async (indexes) => {
      for (const i of indexes) out[i] = await probeDevice(backend, devices[i])
    }),
  )
  return out
}
