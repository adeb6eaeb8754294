import { join } from 'node:path'
import { z } from 'zod'
import { labDevice, localDeviceName, type DeviceView, type LabDevice } from '../../shared/contract/devices'
import { UserError } from '../errors'
import { readJsonFile, writeJsonFile } from '../json-file'

/** A device a capture can attach through: this computer, or a registered lab device. */
export type Device = { kind: 'local'; name: string } | LabDevice

const fileName = 'devices.json'
const devicesFile = z
  .object({ version: z.literal(1), devices: z.array(labDevice).max(1000) })
  .strict()
  .refine((f) => new Set(f.devices.map((d) => d.name)).size === f.devices.length, 'device names must differ')

/** The lab devices registered in `dir`/devices.json (none when it does not exist). */
export function readDevices(dir: string): LabDevice[] {
  return readJsonFile(
    join(dir, fileName),
    devicesFile,
    () => ({ version: 1 as const, devices: [] }),
    'fix it, or delete it and add the devices again ("mutescope devices add")',
  ).devices
}

function writeDevices(dir: string, devices: LabDevice[]): void {
  writeJsonFile(join(dir, fileName), devicesFile.parse({ version: 1, devices }))
}

/** This computer first, then the lab devices by name. */
export function allDevices(dir: string): Device[] {
  return [
    { kind: 'local', name: localDeviceName },
    ...readDevices(dir).sort((a, b) => a.name.localeCompare(b.name)),
  ]
}

/** Adds a device, replacing the one with its name (a portal started again comes with a new token). */
export function putDevice(dir: string, device: LabDevice): void {
  writeDevices(dir, [...readDevices(dir).filter((d) => d.name !== device.name), labDevice.parse(device)])
}

export function removeDevice(dir: string, name: string): void {
  if (name === localDeviceName)
    throw new UserError(`"${localDeviceName}" is this computer: it cannot be removed`)
  const devices = readDevices(dir)
  if (!devices.some((d) => d.name === name)) throw unknownDevice(dir, name)
  writeDevices(
    dir,
    devices.filter((d) => d.name !== name),
  )
}

export function findDevice(dir: string, name: string): Device {
  const found = allDevices(dir).find((d) => d.name === name)
  if (!found) throw unknownDevice(dir, name)
  return found
}

function unknownDevice(dir: string, name: string): UserError {
  const names = allDevices(dir).map((d) => d.name)
  return new UserError(
    `no device named "${name}": choose one of ${names.join(', ')} ("mutescope devices list"), or add it ` +
      '("mutescope devices add")',
    'not_found',
  )
}

/** How a device is named in messages: 'device "lab" (portal at 127.0.0.1:27042)'. */
export function deviceLabel(device: Device): string {
  return device.kind === 'local'
    ? `device "${device.name}" (this computer)`
    : `device "${device.name}" (${device.kind} at ${device.address})`
}

/** A device as shown: where it is and how it is reached, never its token or certificate. */
export function viewOf(device: Device, status?: DeviceView['status']): DeviceView {
  const remote = device.kind !== 'local'
  return {
    name: device.name,
    kind: device.kind,
    address: remote ? device.address : null,
    token: remote && device.token !== null,
    tls: remote && device.certificate !== null,
    ...(status ? { status } : {}),
  }
}
