import { config } from '../state'
import { asbdLayout, readBufferList } from './coreaudio-buffers'
import { audioListener, native, type AudioHook, type FamilyHooks } from './hook'
import { countRead, streamClosed, streamOpened } from './report'
import type { Layout } from './samples'

/**
 * macOS Core Audio, at its two levels. Audio units: the app (or AVAudioEngine for it) pulls the microphone's
 * audio from an I/O unit's input element with AudioUnitRender on bus 1, in the stream format of that element's
 * output scope. The HAL: the app registers an IOProc with a device (AudioDeviceCreateIOProcID, its block form,
 * or the older AudioDeviceAddIOProc) and the HAL calls it every cycle with the input in inInputData, in the
 * device's input stream format. Apple's own IOProcs (those of the I/O units) are left out: their audio reaches
 * the app through AudioUnitRender, counted there. An IOProc registered before the agent came is not seen.
 */

const noErr = 0
const kAudioUnitProperty_StreamFormat = 8
const kAudioOutputUnitProperty_EnableIO = 2003
const kAudioUnitScope_Input = 1
const kAudioUnitScope_Output = 2
/** An I/O unit's input element: where the microphone's audio comes out. */
const inputBus = 1
const asbdBytes = 40
/** kAudioDevicePropertyStreamFormat ('sfmt') in kAudioDevicePropertyScopeInput ('inpt'). */
const sfmt = 0x73666d74
const inpt = 0x696e7074

type GetProperty = (
  unit: NativePointer,
  id: number,
  scope: number,
  element: number,
  data: NativePointer,
  size: NativePointer,
) => number
type GetPropertyData = (
  object: number,
  address: NativePointer,
  qualifierSize: number,
  qualifier: NativePointer,
  size: NativePointer,
  data: NativePointer,
) => number

function coreAudio<F>(module: Module, name: string, args: NativeFunctionArgumentType[]): F | null {
  return native<F>(module, name, 'int', args) ?? native<F>(null, name, 'int', args)
}

/** Per audio unit: whether its input is enabled, and what its input element delivers. */
const units = new Map<string, { input: boolean; layout: Layout | null }>()

function unitOf(module: Module, unit: NativePointer): { input: boolean; layout: Layout | null } {
  const known = units.get(unit.toString())
  if (known) return known
  const get = coreAudio<GetProperty>(module, 'AudioUnitGetProperty', [
    'pointer',
    'uint',
    'uint',
    'uint',
    'pointer',
    'pointer',
  ])
  const info = { input: false, layout: null as Layout | null }
  if (get) {
    const data = Memory.alloc(asbdBytes)
    const size = Memory.alloc(4).writeU32(4)
    // Units that are not I/O units have no such property: not an input.
    info.input =
      get(unit, kAudioOutputUnitProperty_EnableIO, kAudioUnitScope_Input, inputBus, data, size) === noErr &&
      data.readU32() !== 0
    size.writeU32(asbdBytes)
    if (
      info.input &&
      get(unit, kAudioUnitProperty_StreamFormat, kAudioUnitScope_Output, inputBus, data, size) === noErr
    )
      info.layout = asbdLayout(data)
  }
  units.set(unit.toString(), info)
  return info
}

const unitKey = (unit: NativePointer) => `au:${unit}`

const unitHooks: AudioHook[] = [
  {
    // (AudioUnit, flags *, AudioTimeStamp *, UInt32 bus, UInt32 frames, AudioBufferList *ioData)
    fn: 'AudioUnitRender',
    enter(args, call) {
      if (args[3].toUInt32() !== inputBus) return
      const unit = unitOf(call.module, args[0])
      if (!unit.input) return
      call.layout = unit.layout
      call.saved.push(args[0], args[4], args[5])
    },
    // Read on the way out: the unit fills the list, and may point its mData at buffers of its own.
    leave(ret, call) {
      if (call.saved.length === 0 || ret.toInt32() !== noErr) return
      const [unit, frames, list] = call.saved
      const read = readBufferList(list, call.layout, config.cap)
      countRead(unitKey(unit), 'AudioUnitRender', frames.toUInt32(), read.bytes, read.level)
    },
  },
  {
    fn: 'AudioOutputUnitStart',
    enter: (args, call) => void call.saved.push(args[0]),
    leave(ret, call) {
      const [unit] = call.saved
      if (ret.toInt32() === noErr && unitOf(call.module, unit).input)
        streamOpened(unitKey(unit), 'AudioUnitRender')
    },
  },
  { fn: 'AudioOutputUnitStop', enter: (args) => streamClosed(unitKey(args[0])) },
  {
    // The app changed what the unit delivers (or whether it records): asked again at its next call.
    fn: 'AudioUnitSetProperty',
    enter(args, call) {
      const id = args[1].toUInt32()
      if (id === kAudioUnitProperty_StreamFormat || id === kAudioOutputUnitProperty_EnableIO)
        call.saved.push(args[0])
    },
    leave: (_ret, call) => call.saved.forEach((unit) => units.delete(unit.toString())),
  },
  { fn: 'AudioUnitUninitialize', enter: (args) => void units.delete(args[0].toString()) },
  {
    fn: 'AudioComponentInstanceDispose',
    enter(args) {
      streamClosed(unitKey(args[0]))
      units.delete(args[0].toString())
    },
  },
]

/** Per device: the format of its input streams, null when it has none (or will not tell). */
const devices = new Map<number, Layout | null>()

/** Asked on the app's thread when it registers or starts an IOProc, not on the HAL's real-time thread. */
function deviceLayout(module: Module, device: number): Layout | null {
  const known = devices.get(device)
  if (known !== undefined) return known
  const get = coreAudio<GetPropertyData>(module, 'AudioObjectGetPropertyData', [
    'uint',
    'pointer',
    'uint',
    'pointer',
    'pointer',
    'pointer',
  ])
  let layout: Layout | null = null
  if (get) {
    // AudioObjectPropertyAddress { selector, scope, element (main: 0) }
    const address = Memory.alloc(12)
    address.writeU32(sfmt).add(4).writeU32(inpt).add(4).writeU32(0)
    const size = Memory.alloc(4).writeU32(asbdBytes)
    const data = Memory.alloc(asbdBytes)
    if (get(device, address, 0, NULL, size, data) === noErr) layout = asbdLayout(data)
  }
  devices.set(device, layout)
  return layout
}

interface Registration {
  device: number
  /** Its AudioDeviceIOProcID. */
  id: string
  /** The block it was registered with (block form only). */
  block: NativePointer | null
}

/** The app's IOProcs by the code the HAL calls: the function, or the block's invoke function. */
const ioProcs = new Map<string, { module: Module; block: boolean; regs: Registration[] }>()
const codeOf = new Map<string, string>()
const ioKey = (id: string) => `ioproc:${id}`

const systemPaths = ['/System/', '/usr/lib/']

/**
 * The IOProc the HAL calls: (AudioObjectID device, now, const AudioBufferList *inInputData, ...), or the
 * block's invoke (block, now, inInputData, ...). Measured on entry: the input is the HAL's, lent for the call.
 */
function ioProcHook(code: string, block: boolean): AudioHook {
  return {
    fn: 'AudioDeviceIOProc',
    enter(args, call) {
      const regs = ioProcs.get(code)?.regs ?? []
      // A block the HAL copied is no longer the one registered: then its invoke's first registration.
      const reg = block
        ? (regs.find((r) => r.block!.equals(args[0])) ?? regs[0])
        : regs.find((r) => r.device === args[0].toUInt32())
      if (!reg || args[2].isNull()) return
      const read = readBufferList(args[2], deviceLayout(call.module, reg.device), config.cap)
      if (read.bytes > 0)
        countRead(ioKey(reg.id), 'AudioDeviceIOProc', read.frames ?? 0, read.bytes, read.level)
    },
  }
}

function attachIoProc(code: string): void {
  const proc = ioProcs.get(code)!
  Interceptor.attach(ptr(code), audioListener('coreaudio', ioProcHook(code, proc.block), proc.module))
}

function register(module: Module, code: NativePointer, reg: Registration): void {
  const owner = Process.findModuleByAddress(code)
  if (owner && systemPaths.some((p) => owner.path.startsWith(p))) return
  devices.delete(reg.device)
  deviceLayout(module, reg.device)
  const key = code.toString()
  codeOf.set(reg.id, key)
  const known = ioProcs.get(key)
  if (known) known.regs = [...known.regs.filter((r) => r.id !== reg.id), reg]
  else {
    ioProcs.set(key, { module, block: reg.block !== null, regs: [reg] })
    attachIoProc(key)
  }
}

function unregister(id: NativePointer): void {
  const key = id.toString()
  streamClosed(ioKey(key))
  const proc = ioProcs.get(codeOf.get(key) ?? '')
  if (proc) proc.regs = proc.regs.filter((r) => r.id !== key)
  codeOf.delete(key)
}

const halHooks: AudioHook[] = [
  {
    // (AudioObjectID device, AudioDeviceIOProc proc, void *clientData, AudioDeviceIOProcID *outID)
    fn: 'AudioDeviceCreateIOProcID',
    enter: (args, call) => void call.saved.push(args[0], args[1], args[3]),
    leave(ret, call) {
      const [device, proc, outId] = call.saved
      if (ret.toInt32() !== noErr || proc.isNull()) return
      register(call.module, proc, {
        device: device.toUInt32(),
        id: outId.readPointer().toString(),
        block: null,
      })
    },
  },
  {
    // (AudioDeviceIOProcID *outID, AudioObjectID device, dispatch_queue_t, AudioDeviceIOBlock block); a block
    // is Block_layout { void *isa; int flags, reserved; invoke; ... }.
    fn: 'AudioDeviceCreateIOProcIDWithBlock',
    enter: (args, call) => void call.saved.push(args[0], args[1], args[3]),
    leave(ret, call) {
      const [outId, device, block] = call.saved
      if (ret.toInt32() !== noErr || block.isNull()) return
      const invoke = block.add(Process.pointerSize + 8).readPointer()
      register(call.module, invoke, { device: device.toUInt32(), id: outId.readPointer().toString(), block })
    },
  },
  {
    // (AudioDeviceID device, AudioDeviceIOProc proc, void *clientData): the proc is its own ID.
    fn: 'AudioDeviceAddIOProc',
    enter: (args, call) => void call.saved.push(args[0], args[1]),
    leave(ret, call) {
      const [device, proc] = call.saved
      if (ret.toInt32() === noErr && !proc.isNull())
        register(call.module, proc, { device: device.toUInt32(), id: proc.toString(), block: null })
    },
  },
  {
    // (device, procID): the IOProc runs from now on; one on a device with input holds the microphone.
    fn: 'AudioDeviceStart',
    enter: (args, call) => void call.saved.push(args[0], args[1]),
    leave(ret, call) {
      const [device, id] = call.saved
      if (ret.toInt32() !== noErr || !codeOf.has(id.toString())) return
      devices.delete(device.toUInt32())
      if (deviceLayout(call.module, device.toUInt32()))
        streamOpened(ioKey(id.toString()), 'AudioDeviceIOProc')
    },
  },
  { fn: 'AudioDeviceStop', enter: (args) => streamClosed(ioKey(args[1].toString())) },
  { fn: 'AudioDeviceDestroyIOProcID', enter: (args) => unregister(args[1]) },
  { fn: 'AudioDeviceRemoveIOProc', enter: (args) => unregister(args[1]) },
]

export const coreaudioHooks: FamilyHooks = {
  family: 'coreaudio',
  hooks: [...unitHooks, ...halHooks],
  // Interceptor.detachAll() took the app's IOProcs' hooks too: they are still registered with the HAL.
  reattach: () => [...ioProcs.keys()].forEach(attachIoProc),
}
