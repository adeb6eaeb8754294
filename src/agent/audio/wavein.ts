import { reportHookError } from '../emit'
import type { AudioApiReport } from '../protocol'
import { config } from '../state'
import { callArgs } from '../wine-pe'
import { waveInRead } from './apis'
import { countRead, streamClosed, streamOpened } from './report'
import { addInterleaved, emptyLevel, type Layout } from './samples'
import { waveFormatLayout } from './waveformat'

/**
 * waveIn (winmm.dll): the app hands empty buffers to waveInAddBuffer and gets them back full with WIM_DATA,
 * which winmm sends through DriverCallback whatever way the app asked to be told (a function, an event, a
 * window, or none). A device's format is waveInOpen's; its handle comes with WIM_OPEN, which waveInOpen sends
 * on its own thread before it returns. Hooked on entry only (windows-calls.ts says why).
 */

const WAVE_FORMAT_QUERY = 0x1
const WIM_OPEN = 0x3be
const WIM_CLOSE = 0x3bf
const WIM_DATA = 0x3c0

/** Per thread, the format of the waveInOpen in progress. */
const opening = new Map<number, Layout>()
/** Per device handle, its format (null: opened before MuteScope came). */
const devices = new Map<string, Layout | null>()
const hooked = new Set<string>()

const key = (device: NativePointer) => `wavein:${device}`

/** WAVEHDR { LPSTR lpData; DWORD dwBufferLength; DWORD dwBytesRecorded; ... }: the audio it brought. */
function countBuffer(device: NativePointer, header: NativePointer): void {
  const layout = devices.get(device.toString()) ?? null
  if (!devices.has(device.toString())) {
    devices.set(device.toString(), null)
    streamOpened(key(device), waveInRead)
  }
  const bytes = header.add(Process.pointerSize + 4).readU32()
  const frames = layout?.frameBytes ? Math.floor(bytes / layout.frameBytes) : 0
  let level = null
  if (layout?.format) {
    level = emptyLevel()
    addInterleaved(level, header.readPointer(), frames, layout, { left: config.cap })
  }
  countRead(key(device), waveInRead, frames, bytes, level)
}

const hooks: { fn: string; on(a: InvocationArguments, thread: number): void }[] = [
  {
    // (&device, id, format, callback, instance, flags)
    fn: 'waveInOpen',
    on(a, thread) {
      if ((a[5].toUInt32() & WAVE_FORMAT_QUERY) === 0) opening.set(thread, waveFormatLayout(a[2]))
    },
  },
  {
    // (callback, flags, device, message, instance, param1, param2)
    fn: 'DriverCallback',
    on(a, thread) {
      const message = a[3].toUInt32()
      const device = a[2]
      if (message === WIM_OPEN) {
        const layout = opening.get(thread)
        if (!layout) return
        opening.delete(thread)
        devices.set(device.toString(), layout)
        streamOpened(key(device), waveInRead)
      } else if (message === WIM_DATA) countBuffer(device, a[5])
      else if (message === WIM_CLOSE && devices.delete(device.toString())) streamClosed(key(device))
    },
  },
]

/** Hooks waveIn where `module` is winmm.dll. */
export function hookWaveIn(module: Module): AudioApiReport[] {
  if (!/^winmm\.dll$/i.test(module.name)) return []
  const fns: string[] = []
  for (const h of hooks) {
    try {
      const address = module.findExportByName(h.fn)
      if (!address || hooked.has(address.toString())) continue
      Interceptor.attach(address, function (args) {
        try {
          h.on(callArgs(module, args, this.context), this.threadId)
        } catch (err) {
          reportHookError(h.fn, module.name, err)
        }
      })
      hooked.add(address.toString())
      fns.push(h.fn)
    } catch (err) {
      reportHookError(h.fn, module.name, err)
    }
  }
  return fns.length > 0 ? [{ module: module.name, family: 'winmm', fns }] : []
}

/** After Interceptor.detachAll(): nothing is hooked, no device known. */
export function resetWaveIn(): void {
  hooked.clear()
  opening.clear()
  devices.clear()
}
