import { config } from '../state'
import { native, type AudioHook, type FamilyHooks } from './hook'
import { countRead, streamClosed, streamOpened } from './report'
import { addInterleaved, addPlanar, addSamples, emptyLevel, type Layout, type SampleFormat } from './samples'

/**
 * ALSA (alsa-lib) capture PCMs: snd_pcm_readi/readn/mmap_readi, and the mmap API's snd_pcm_mmap_commit
 * (reading the areas that snd_pcm_mmap_begin handed out). A PCM's direction and format are asked of alsa-lib
 * itself (snd_pcm_stream, snd_pcm_hw_params_current and its getters), so PCMs opened before the agent came
 * are read too.
 */

const SND_PCM_STREAM_CAPTURE = 1
/** snd_pcm_format_t: S16_LE, S32_LE, FLOAT_LE. */
const formats: Record<number, SampleFormat> = { 2: 's16', 10: 's32', 14: 'f32' }

type Getter = (params: NativePointer, out: NativePointer) => number

/** Null for a playback PCM; undefined while a PCM has no hardware parameters yet. */
const layouts = new Map<string, Layout | null>()
/** The channel areas each PCM's last snd_pcm_mmap_begin handed out. */
const mmapAreas = new Map<string, NativePointer>()

/**
 * alsa-lib exports both the old getters (returning the value) and the current ones (writing it through a
 * pointer) under one name; `__name` is the current one. Either way the value is found: what the call wrote,
 * or else what it returned.
 */
function get(module: Module, name: string, params: NativePointer): number | null {
  const f =
    native<Getter>(module, `__${name}`, 'int', ['pointer', 'pointer']) ??
    native<Getter>(module, name, 'int', ['pointer', 'pointer'])
  if (!f) return null
  const out = Memory.alloc(4)
  out.writeS32(-1)
  const r = f(params, out)
  const written = out.readS32()
  return written !== -1 ? written : r >= 0 ? r : null
}

function layoutOf(module: Module, pcm: NativePointer): Layout | null {
  const key = pcm.toString()
  const known = layouts.get(key)
  if (known !== undefined) return known
  const stream = native<(p: NativePointer) => number>(module, 'snd_pcm_stream', 'int', ['pointer'])
  if (!stream || stream(pcm) !== SND_PCM_STREAM_CAPTURE) {
    layouts.set(key, null)
    return null
  }
  const size = native<() => number>(module, 'snd_pcm_hw_params_sizeof', 'uint', [])
  const current = native<Getter>(module, 'snd_pcm_hw_params_current', 'int', ['pointer', 'pointer'])
  const toBytes = native<(p: NativePointer, n: number) => number>(module, 'snd_pcm_frames_to_bytes', 'int', [
    'pointer',
    'long',
  ])
  if (!size || !current || !toBytes) return { format: null, channels: 0, frameBytes: 0 }
  const params = Memory.alloc(size())
  // Not configured yet: read as unknown now, asked again at the next call.
  if (current(pcm, params) !== 0) return { format: null, channels: 0, frameBytes: 0 }
  const format = get(module, 'snd_pcm_hw_params_get_format', params)
  const layout: Layout = {
    format: format === null ? null : (formats[format] ?? null),
    channels: get(module, 'snd_pcm_hw_params_get_channels', params) ?? 0,
    frameBytes: Math.max(0, toBytes(pcm, 1)),
  }
  if (layout.channels === 0) layout.format = null
  layouts.set(key, layout)
  return layout
}

const pcmKey = (pcm: NativePointer) => `alsa:${pcm}`

function forget(pcm: NativePointer): void {
  layouts.delete(pcm.toString())
  mmapAreas.delete(pcm.toString())
}

/** A read of `frames` frames into the app's buffer(s): the level is measured on the way out. */
function read(fn: string, planar: boolean): AudioHook {
  return {
    fn,
    enter(args, call) {
      call.layout = layoutOf(call.module, args[0])
      call.saved.push(args[0], args[1])
    },
    leave(ret, call) {
      const { layout } = call
      const frames = ret.toInt32()
      if (!layout || frames <= 0) return
      const [pcm, buf] = call.saved
      let level = null
      if (layout.format) {
        level = emptyLevel()
        const budget = { left: config.cap }
        if (planar) addPlanar(level, buf, frames, layout, budget)
        else addInterleaved(level, buf, frames, layout, budget)
      }
      countRead(pcmKey(pcm), fn, frames, frames * layout.frameBytes, level)
    },
  }
}

/** snd_pcm_channel_area_t { void *addr; unsigned first; unsigned step } (bits), one per channel. */
function areasLevel(areas: NativePointer, offset: number, frames: number, layout: Layout) {
  if (!layout.format) return null
  const level = emptyLevel()
  const budget = { left: config.cap }
  const ps = Process.pointerSize
  for (let c = 0; c < layout.channels; c++) {
    const area = areas.add(c * (ps + 8))
    const first = area.add(ps).readU32()
    const step = area.add(ps + 4).readU32()
    if (first % 8 !== 0 || step % 8 !== 0) return null
    const start = area.readPointer().add(first / 8 + (offset * step) / 8)
    addSamples(level, start, frames, step / 8, layout.format, budget)
  }
  return level
}

/**
 * Where alsa-lib's plugins move captured audio from their slave PCMs (snd_pcm_avail_update and friends,
 * called by apps between reads): hooked only so that those inner reads are known as the library's own.
 */
const scopes: AudioHook[] = ['snd_pcm_avail_update', 'snd_pcm_avail', 'snd_pcm_avail_delay'].map((fn) => ({
  fn,
}))

const hooks: AudioHook[] = [
  {
    fn: 'snd_pcm_open',
    enter(args, call) {
      if (args[2].toInt32() === SND_PCM_STREAM_CAPTURE) call.saved.push(args[0])
    },
    leave(ret, call) {
      if (call.saved.length === 0 || ret.toInt32() !== 0) return
      const pcm = call.saved[0].readPointer()
      forget(pcm)
      // Which read call it will use is not known yet: until it reads, its zero reads go under readi.
      streamOpened(pcmKey(pcm), 'snd_pcm_readi')
    },
  },
  {
    fn: 'snd_pcm_close',
    enter(args) {
      streamClosed(pcmKey(args[0]))
      forget(args[0])
    },
  },
  ...['snd_pcm_hw_params', 'snd_pcm_set_params'].map((fn): AudioHook => ({
    fn,
    enter: (args, call) => void call.saved.push(args[0]),
    leave: (_ret, call) => forget(call.saved[0]),
  })),
  read('snd_pcm_readi', false),
  read('snd_pcm_mmap_readi', false),
  read('snd_pcm_readn', true),
  {
    fn: 'snd_pcm_mmap_begin',
    enter: (args, call) => void call.saved.push(args[0], args[1]),
    leave(ret, call) {
      const [pcm, areas] = call.saved
      if (ret.toInt32() === 0 && layoutOf(call.module, pcm))
        mmapAreas.set(pcm.toString(), areas.readPointer())
    },
  },
  {
    fn: 'snd_pcm_mmap_commit',
    // Measured on entry: once committed, the ring buffer's frames belong to the driver again.
    enter(args, call) {
      const layout = (call.layout = layoutOf(call.module, args[0]))
      const areas = mmapAreas.get(args[0].toString())
      call.saved.push(args[0])
      if (layout && areas) call.level = areasLevel(areas, args[1].toUInt32(), args[2].toUInt32(), layout)
    },
    leave(ret, call) {
      const { layout } = call
      const frames = ret.toInt32()
      if (!layout || frames <= 0) return
      countRead(pcmKey(call.saved[0]), 'snd_pcm_mmap_commit', frames, frames * layout.frameBytes, call.level)
    },
  },
  ...scopes,
]

export const alsaHooks: FamilyHooks = { family: 'alsa', hooks }
