import type { devicesRequests } from '../../shared/contract/devices'
import { openBackend } from '../capture/select-backend'
import { readPem } from '../devices/certificate'
import { probeDevices } from '../devices/connect'
import { allDevices, findDevice, putDevice, removeDevice, viewOf } from '../devices/registry'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

export function devicesHandlers({ dataDir }: AppContext): HandlerGroup<typeof devicesRequests> {
  return {
    listDevices: async ({ probe }) => {
      const devices = allDevices(dataDir)
      if (!probe) return devices.map((d) => viewOf(d))
      // A bridge per request, closed after: no Frida process lingers between Settings refreshes.
      const backend = await openBackend('auto')
      try {
        const status = await probeDevices(backend, devices)
        return devices.map((d, i) => viewOf(d, status[i]))
      } finally {
        await backend.close()
      }
    },
    addDevice: (device) => {
      putDevice(dataDir, device)
      return viewOf(findDevice(dataDir, device.name))
    },
    readCertificate: ({ file }) => ({
      certificate: readPem(file, 'the certificate field', false).certificate,
    }),
    removeDevice: ({ name }) => {
      removeDevice(dataDir, name)
      return { removed: name }
    },
  }
}
