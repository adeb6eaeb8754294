import { z } from 'zod'
import { request } from './define'

/** The computer MuteScope runs on: always a device, never stored. */
export const localDeviceName = 'local'

export const deviceName = z
  .string()
  .regex(
    /^[A-Za-z0-9][\w.-]{0,63}$/,
    'a device name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  )
  .refine((n) => n !== localDeviceName, `"${localDeviceName}" is this computer's name`)

/** HOST:PORT (IPv6 in brackets), as Frida's remote devices and portals take it. */
export const hostPort = z
  .string()
  .max(300)
  .regex(/^[\w.-]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/, 'an address is HOST:PORT, e.g. 10.0.0.2:27042')
  .refine((a) => Number(a.slice(a.lastIndexOf(':') + 1)) <= 65535, 'a port is at most 65535')

export const deviceToken = z.string().min(1).max(512)

/** PEM certificates only (a private key is never stored with a device). */
export const pemCertificate = z
  .string()
  .max(64 * 1024)
  .regex(/^(-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\s*)+$/, 'a PEM certificate')

/**
 * A lab device: a frida-server, or a portal's control endpoint (lab machines join the portal, the workbench
 * sees their processes there). Kept in the data folder's devices.json, owner-only: tokens are secrets.
 */
export const labDevice = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('frida-server'),
      name: deviceName,
      address: hostPort,
      token: deviceToken.nullable(),
      certificate: pemCertificate.nullable(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('portal'),
      name: deviceName,
      /** The portal's control endpoint. */
      address: hostPort,
      token: deviceToken,
      certificate: pemCertificate.nullable(),
      /** Its lab link (same token), where lab machines offer their microphone: a TLS WebSocket, pinned. */
      lab: z.object({ address: hostPort, certificate: pemCertificate }).strict().optional(),
    })
    .strict(),
])
export type LabDevice = z.infer<typeof labDevice>

const fridaVersion = z.string().max(64)

/** A lab machine's name as the workbench picks it ("--play-on portal:lab1"). */
export const labMachineName = z
  .string()
  .regex(/^[A-Za-z0-9][\w.-]{0,63}$/, 'a machine name is 1 to 64 letters, digits, ".", "_" or "-"')

const pulseName = z.string().min(1).max(256)

/** What a lab machine offers: the sink it plays into and the microphone (source) apps there record from. */
export const labMic = z.object({ sink: pulseName, source: pulseName.nullable() }).strict()
export type LabMic = z.infer<typeof labMic>

/** A lab machine linked to a portal's lab link, offering its microphone; busy while the workbench plays there. */
export const labOffer = z.object({ machine: labMachineName, mic: labMic, busy: z.boolean() }).strict()
export type LabOffer = z.infer<typeof labOffer>

/** A device as the UI and `devices list` show it: never its token or certificate. */
export const deviceView = z.object({
  name: z.string(),
  kind: z.enum(['local', 'frida-server', 'portal']),
  address: z.string().nullable(),
  token: z.boolean(),
  tls: z.boolean(),
  /** Absent when not asked; the answer within a bounded time otherwise. */
  status: z
    .object({
      reachable: z.boolean(),
      /** Why it did not answer, or how it refused. */
      error: z.string().nullable(),
      /** E.g. "Debian GNU/Linux 12 (x64) on lab1"; null when the device does not say (a portal). */
      os: z.string().nullable(),
      /** Frida's version there; null where it is only known at attach (a frida-server). */
      frida: fridaVersion.nullable(),
      /** A portal's joined processes, each with its machine's OS and Frida; null for other devices. */
      joined: z
        .array(
          z.object({
            pid: z.number().int(),
            name: z.string(),
            os: z.string().nullable(),
            frida: fridaVersion.nullable(),
          }),
        )
        .nullable(),
      /** A portal's lab machines offering their microphone over its lab link; absent for other devices. */
      machines: z.array(labOffer).max(1000).optional(),
    })
    .optional(),
})
export type DeviceView = z.infer<typeof deviceView>

export const devicesRequests = {
  listDevices: request(
    "This computer and the lab devices; with probe, each one's OS, Frida version and reachability (bounded wait)",
    z.object({ probe: z.boolean().default(false) }).strict(),
    z.array(deviceView),
  ),
  addDevice: request(
    'Adds a lab device (a frida-server, or a portal), or replaces the one with its name',
    labDevice,
    deviceView,
  ),
  readCertificate: request(
    "The PEM certificates in a file on this computer, for a device's TLS (a private key there is not read back)",
    z.object({ file: z.string().min(1).max(4096) }).strict(),
    z.object({ certificate: pemCertificate }),
  ),
  removeDevice: request(
    'Removes a lab device (its sessions stay)',
    z.object({ name: deviceName }).strict(),
    z.object({ removed: z.string() }),
  ),
}
