import { config } from '../state'
import { native, type AudioHook, type FamilyHooks } from './hook'
import { countRead, streamClosed, streamOpened } from './report'
import { addInterleaved, emptyLevel, type Layout, type SampleFormat } from './samples'

/**
 * PulseAudio: the asynchronous API (pa_stream_peek hands out a fragment, pa_stream_drop consumes it: one
 * read) and the simple API (pa_simple_read). Sample specs come from pa_stream_get_sample_spec, or from
 * pa_simple_new's argument, kept per handle.
 */

const PA_STREAM_RECORD = 2
/** pa_sample_format_t: S16LE, FLOAT32LE, S32LE. */
const formats: Record<number, SampleFormat> = { 3: 's16', 5: 'f32', 7: 's32' }

type Spec = (spec: NativePointer) => number

let libpulse: Module | null = null

/**
 * The module with libpulse's own functions: the hooked one for pa_stream calls; for pa_simple (another
 * library) the module exporting them, found by asking each (a plugin may have loaded libpulse privately,
 * where a global lookup does not see it).
 */
function pulseModule(hooked: Module): Module | null {
  if (hooked.findExportByName('pa_frame_size')) return hooked
  libpulse ??= Process.enumerateModules().find((m) => m.findExportByName('pa_frame_size') !== null) ?? null
  return libpulse
}

/** pa_sample_spec { pa_sample_format_t format; uint32_t rate; uint8_t channels }. */
function specLayout(module: Module | null, spec: NativePointer): Layout | null {
  if (spec.isNull() || !module) return null
  const frameSize = native<Spec>(module, 'pa_frame_size', 'uint', ['pointer'])
  return {
    format: formats[spec.readS32()] ?? null,
    channels: spec.add(8).readU8(),
    frameBytes: frameSize ? frameSize(spec) : 0,
  }
}

const streamLayouts = new Map<string, Layout | null>()
const simpleLayouts = new Map<string, Layout | null>()
/** The fragment each stream's last pa_stream_peek handed out, counted when the app drops it. */
const peeked = new Map<string, { data: NativePointer; bytes: number }>()

function streamLayout(hooked: Module, stream: NativePointer): Layout | null {
  const key = stream.toString()
  let layout = streamLayouts.get(key)
  if (layout === undefined) {
    const module = pulseModule(hooked)
    const get =
      module &&
      native<(s: NativePointer) => NativePointer>(module, 'pa_stream_get_sample_spec', 'pointer', ['pointer'])
    layout = get ? specLayout(module, get(stream)) : null
    streamLayouts.set(key, layout)
  }
  return layout
}

function count(key: string, api: string, data: NativePointer, bytes: number, layout: Layout | null): void {
  const frames = layout?.frameBytes ? Math.floor(bytes / layout.frameBytes) : 0
  let level = null
  if (layout?.format && !data.isNull()) {
    level = emptyLevel()
    addInterleaved(level, data, frames, layout, { left: config.cap })
  }
  countRead(key, api, frames, bytes, level)
}

const streamKey = (s: NativePointer) => `pa:${s}`
const simpleKey = (s: NativePointer) => `pa-simple:${s}`

function forgetStream(s: NativePointer): void {
  streamClosed(streamKey(s))
  streamLayouts.delete(s.toString())
  peeked.delete(s.toString())
}

const hooks: AudioHook[] = [
  {
    fn: 'pa_stream_connect_record',
    enter: (args, call) => void call.saved.push(args[0]),
    leave(ret, call) {
      if (ret.toInt32() !== 0) return
      streamLayouts.delete(call.saved[0].toString())
      streamOpened(streamKey(call.saved[0]), 'pa_stream_peek')
    },
  },
  { fn: 'pa_stream_disconnect', enter: (args) => forgetStream(args[0]) },
  {
    fn: 'pa_stream_peek',
    enter: (args, call) => void call.saved.push(args[0], args[1], args[2]),
    leave(ret, call) {
      const [s, data, nbytes] = call.saved
      const bytes = ret.toInt32() === 0 ? nbytes.readU32() : 0
      if (bytes > 0) peeked.set(s.toString(), { data: data.readPointer(), bytes })
    },
    // pa_simple_read peeks its own stream: that names the stream, hence the spec, of a handle opened before
    // the agent came.
    nested: (args, outer) => void (outer.inner = args[0]),
  },
  {
    fn: 'pa_stream_drop',
    enter(args, call) {
      const p = peeked.get(args[0].toString())
      if (!p) return
      peeked.delete(args[0].toString())
      // A hole (no data) is still a read of that many bytes, with no level.
      count(streamKey(args[0]), 'pa_stream_peek', p.data, p.bytes, streamLayout(call.module, args[0]))
    },
  },
  {
    fn: 'pa_simple_new',
    enter(args, call) {
      if (args[2].toInt32() !== PA_STREAM_RECORD) return
      call.saved.push(args[5])
    },
    leave(ret, call) {
      if (call.saved.length === 0 || ret.isNull()) return
      simpleLayouts.set(ret.toString(), specLayout(pulseModule(call.module), call.saved[0]))
      streamOpened(simpleKey(ret), 'pa_simple_read')
    },
  },
  {
    fn: 'pa_simple_read',
    enter: (args, call) => void call.saved.push(args[0], args[1], args[2]),
    leave(ret, call) {
      if (ret.toInt32() !== 0) return
      const [s, data, bytes] = call.saved
      let layout = simpleLayouts.get(s.toString())
      if (layout === undefined && call.inner) {
        layout = streamLayout(call.module, call.inner)
        simpleLayouts.set(s.toString(), layout)
      }
      count(simpleKey(s), 'pa_simple_read', data, bytes.toUInt32(), layout ?? null)
    },
  },
  {
    fn: 'pa_simple_free',
    enter(args) {
      streamClosed(simpleKey(args[0]))
      simpleLayouts.delete(args[0].toString())
    },
  },
]

export const pulseHooks: FamilyHooks = { family: 'pulse', hooks }
