import { reportHookError } from '../emit'
import type { AudioApiReport } from '../protocol'
import { config } from '../state'
import { peImageAt } from '../wine-pe'
import { wasapiRead } from './apis'
import { countRead, streamClosed, streamOpened } from './report'
import { addInterleaved, emptyLevel, type Layout } from './samples'
import { waveFormatLayout } from './waveformat'

/**
 * WASAPI (Windows core audio): an app reads the microphone through the IAudioCaptureClient of an
 * IAudioClient it activated on a capture endpoint. These are COM objects, not exports: their methods are
 * found through the vtables of the objects the app creates, from CoCreateInstance(CLSID_MMDeviceEnumerator)
 * on (and under Wine from the audio driver's GetAudioEndpoint, which makes every IAudioClient), and hooked in
 * the code they point to, so every object of the class is watched. The methods are wrapped
 * (Interceptor.replaceFast), not hooked on return: they hand back objects and buffers through pointers, and
 * under Wine a return hook breaks (windows-calls.ts says why).
 */

/** GUIDs as their 16 bytes in memory, in hex. */
function guidBytes(text: string): string {
  const [d1, d2, d3, d4, d5] = text.split('-')
  const le = (hex: string) => hex.match(/../g)!.reverse().join('')
  return (le(d1) + le(d2) + le(d3) + d4 + d5).toLowerCase()
}
const CLSID_MMDeviceEnumerator = guidBytes('BCDE0395-E52F-467C-8E3D-C4579291692E')
const IID_IAudioClient = [
  '1CB9AD4C-DBFA-4C32-B178-C2F568A703B2',
  '726778CD-F60A-4EDA-82DE-E47610CD78AA',
  '7ED4EE07-8E67-4CD4-8C1A-2B7A5987AD42',
].map(guidBytes)
const IID_IAudioCaptureClient = guidBytes('C8ADBD64-E71E-48A0-A4DE-185C395CD317')

function guidAt(p: NativePointer): string {
  return [...new Uint8Array(p.readByteArray(16)!)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** AUDCLNT_STREAMFLAGS_LOOPBACK: the stream records what the endpoint plays, not a microphone. */
const LOOPBACK = 0x20000
/** AUDCLNT_BUFFERFLAGS_SILENT: treat the packet as silence whatever its bytes. */
const SILENT = 0x2

type Kind = 'enumerator' | 'collection' | 'device' | 'client' | 'capture'

const interfaces: Record<Kind, string> = {
  enumerator: 'IMMDeviceEnumerator',
  collection: 'IMMDeviceCollection',
  device: 'IMMDevice',
  client: 'IAudioClient',
  capture: 'IAudioCaptureClient',
}

interface Method {
  kind: Kind
  index: number
  name: string
  /** Arguments, `this` first. */
  arity: number
  before?(a: NativePointer[]): void
  after?(a: NativePointer[], hr: number): void
}

/** The IAudioClient each stream was initialized by: its layout, and whether it is a loopback. */
const clients = new Map<string, { layout: Layout; loopback: boolean }>()
/** Capture clients: their client's layout; the packet GetBuffer handed out, read when the app releases it. */
const captures = new Map<
  string,
  { layout: Layout | null; packet: { data: NativePointer; flags: number } | null }
>()

const captureKey = (capture: NativePointer) => `wasapi:${capture}`
const succeeded = (hr: number) => hr >= 0

/** The object an out-parameter (IFoo **) received. */
const out = (pp: NativePointer) => pp.readPointer()

const methods: Method[] = [
  // IMMDeviceEnumerator: EnumAudioEndpoints(flow, mask, &collection), GetDefaultAudioEndpoint(flow, role,
  // &device), GetDevice(id, &device).
  { kind: 'enumerator', index: 3, name: 'EnumAudioEndpoints', arity: 4, after: found(3, 'collection') },
  { kind: 'enumerator', index: 4, name: 'GetDefaultAudioEndpoint', arity: 4, after: found(3, 'device') },
  { kind: 'enumerator', index: 5, name: 'GetDevice', arity: 3, after: found(2, 'device') },
  // IMMDeviceCollection::Item(index, &device).
  { kind: 'collection', index: 4, name: 'Item', arity: 3, after: found(2, 'device') },
  {
    // IMMDevice::Activate(iid, context, params, &interface).
    kind: 'device',
    index: 3,
    name: 'Activate',
    arity: 5,
    after(a, hr) {
      if (succeeded(hr) && IID_IAudioClient.includes(guidAt(a[1]))) watch(out(a[4]), 'client')
    },
  },
  {
    // IAudioClient::Initialize(mode, flags, duration, periodicity, format, session).
    kind: 'client',
    index: 3,
    name: 'Initialize',
    arity: 7,
    before(a) {
      clients.set(a[0].toString(), {
        layout: waveFormatLayout(a[5]),
        loopback: (a[2].toUInt32() & LOOPBACK) !== 0,
      })
    },
  },
  {
    // IAudioClient::GetService(iid, &service).
    kind: 'client',
    index: 14,
    name: 'GetService',
    arity: 3,
    after(a, hr) {
      if (!succeeded(hr) || guidAt(a[1]) !== IID_IAudioCaptureClient) return
      const client = clients.get(a[0].toString())
      if (client?.loopback) return
      const capture = out(a[2])
      if (!captures.has(capture.toString())) {
        captures.set(capture.toString(), { layout: client?.layout ?? null, packet: null })
        streamOpened(captureKey(capture), wasapiRead)
      }
      watch(capture, 'capture')
    },
  },
  {
    kind: 'capture',
    index: 2,
    name: 'Release',
    arity: 1,
    after(a, refs) {
      if (refs !== 0 || !captures.delete(a[0].toString())) return
      streamClosed(captureKey(a[0]))
    },
  },
  {
    // GetBuffer(&data, &frames, &flags, &devicePosition, &qpcPosition): the packet, read at ReleaseBuffer.
    kind: 'capture',
    index: 3,
    name: 'GetBuffer',
    arity: 6,
    after(a, hr) {
      const capture = captures.get(a[0].toString())
      // AUDCLNT_S_BUFFER_EMPTY is a success with no packet.
      if (!capture || hr !== 0) return
      capture.packet = { data: out(a[1]), flags: a[3].isNull() ? 0 : a[3].readU32() }
    },
  },
  {
    // ReleaseBuffer(framesRead): the frames of the packet the app consumed.
    kind: 'capture',
    index: 4,
    name: 'ReleaseBuffer',
    arity: 2,
    before(a) {
      const capture = captures.get(a[0].toString())
      const packet = capture?.packet
      const frames = a[1].toUInt32()
      if (!capture || !packet || frames === 0) return
      capture.packet = null
      const layout = capture.layout
      let level = null
      if (layout?.format) {
        level = emptyLevel()
        if (packet.flags & SILENT) level.samples = frames * layout.channels
        else addInterleaved(level, packet.data, frames, layout, { left: config.cap })
      }
      countRead(captureKey(a[0]), wasapiRead, frames, frames * (layout?.frameBytes ?? 0), level)
    },
  },
]

/** An `after` that watches the object the call returned through its argument `at`. */
function found(at: number, kind: Kind): Method['after'] {
  return (a, hr) => {
    if (succeeded(hr)) watch(out(a[at]), kind)
  }
}

interface Wrapped {
  callback: NativePointer
  original: (...a: NativePointer[]) => number
}

/** Functions wrapped, by address (kept alive here: the code jumps to the callbacks). */
const wrapped = new Map<string, Wrapped>()
let announce: ((apis: AudioApiReport[]) => void) | null = null

function moduleAt(address: NativePointer): Module | null {
  return peImageAt(address) ?? Process.findModuleByAddress(address)
}

/** Replaces the function at `address` by a wrapper that runs `before` and `after` around it. */
function wrap(
  address: NativePointer,
  name: string,
  arity: number,
  m: Pick<Method, 'before' | 'after'>,
): boolean {
  if (wrapped.has(address.toString())) return false
  const types = Array<'pointer'>(arity).fill('pointer')
  const where = () => moduleAt(address)?.name ?? String(address)
  const w = {} as Wrapped
  w.callback = new NativeCallback(
    (...args: unknown[]) => {
      const a = args as NativePointer[]
      try {
        m.before?.(a)
      } catch (err) {
        reportHookError(name, where(), err)
      }
      const hr = w.original(...a)
      try {
        m.after?.(a, hr)
      } catch (err) {
        reportHookError(name, where(), err)
      }
      return hr
    },
    'int',
    types,
    'win64',
  )
  const trampoline = Interceptor.replaceFast(address, w.callback)
  w.original = new NativeFunction(trampoline, 'int', types, 'win64') as unknown as Wrapped['original']
  wrapped.set(address.toString(), w)
  return true
}

/** Wraps the methods of `kind` that the vtable of `object` points to (once per implementation). */
function watch(object: NativePointer, kind: Kind): void {
  if (object.isNull()) return
  const vtable = object.readPointer()
  const added: string[] = []
  let module: Module | null = null
  for (const m of methods) {
    if (m.kind !== kind) continue
    const fn = vtable.add(m.index * Process.pointerSize).readPointer()
    // Code of a loaded module, or not a method of ours to wrap.
    module = moduleAt(fn)
    if (!module || !Process.findRangeByAddress(fn)?.protection.includes('x')) continue
    const name = `${interfaces[kind]}::${m.name}`
    if (wrap(fn, name, m.arity, m)) added.push(name)
  }
  if (kind === 'capture' && added.length > 0 && module)
    announce?.([
      { module: module.name, family: 'wasapi', fns: added.filter((f) => !f.endsWith('::Release')) },
    ])
}

/** Entry points that hand out the first objects: COM's class factory, Wine's audio drivers. */
const entries = [
  {
    modules: /^combase\.dll$/i,
    fn: 'CoCreateInstance',
    // (clsid, outer, context, iid, &object)
    arity: 5,
    after(a: NativePointer[], hr: number) {
      if (succeeded(hr) && guidAt(a[0]) === CLSID_MMDeviceEnumerator) watch(out(a[4]), 'enumerator')
    },
  },
  {
    modules: /^wine\w*\.drv$/i,
    fn: 'GetAudioEndpoint',
    // (guid, device, &client): every IAudioClient under Wine comes from here, whatever device the app opened.
    arity: 3,
    before: (a: NativePointer[]) => watch(a[1], 'device'),
    after(a: NativePointer[], hr: number) {
      if (succeeded(hr)) watch(out(a[2]), 'client')
    },
  },
]

const hookedEntries: string[] = []
/** mmdevapi.dll, once loaded: WASAPI is there (reported once an entry point to it is wrapped too). */
let mmdevapi: Module | null = null
let reported = false

/**
 * Wraps the WASAPI entry points `module` has; says WASAPI is present once mmdevapi.dll is loaded and the way
 * to it is watched. `report` announces capture clients' methods as they are found.
 */
export function hookWasapi(module: Module, report: (apis: AudioApiReport[]) => void): AudioApiReport[] {
  announce = report
  if (/^mmdevapi\.dll$/i.test(module.name)) mmdevapi = module
  for (const e of entries) {
    if (!e.modules.test(module.name)) continue
    const address = module.findExportByName(e.fn)
    if (address && wrap(address, e.fn, e.arity, e)) hookedEntries.push(`${e.fn}@${module.name}`)
  }
  if (reported || !mmdevapi || hookedEntries.length === 0) return []
  reported = true
  return [{ module: mmdevapi.name, family: 'wasapi', fns: [...hookedEntries] }]
}

/** Puts back every wrapped function (Interceptor.detachAll leaves replacements in place). */
export function resetWasapi(): void {
  for (const address of wrapped.keys()) Interceptor.revert(ptr(address))
  wrapped.clear()
  hookedEntries.length = 0
  mmdevapi = null
  reported = false
  clients.clear()
  captures.clear()
}
