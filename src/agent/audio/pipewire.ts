import { config } from '../state'
import type { AudioHook, FamilyHooks } from './hook'
import { countRead, streamClosed, streamOpened } from './report'
import { addSamples, emptyLevel, sampleSize, type Layout, type SampleFormat } from './samples'

/**
 * PipeWire streams: a capture stream (pw_stream_connect with PW_DIRECTION_INPUT) hands the app each buffer of
 * audio through pw_stream_dequeue_buffer. The sample format is the one the app asked for in its connect
 * parameters (an SPA format object), which PipeWire converts to; one left open (a choice) is not measured.
 */

const PW_DIRECTION_INPUT = 0
/** spa_audio_format: interleaved S16_LE, S32_LE, F32_LE and their planar forms. */
const interleaved: Record<number, SampleFormat> = { 0x103: 's16', 0x10b: 's32', 0x11b: 'f32' }
const planar: Record<number, SampleFormat> = { 0x202: 's16', 0x204: 's32', 0x206: 'f32' }

const SPA_TYPE_ID = 3
const SPA_TYPE_INT = 4
const SPA_TYPE_OBJECT = 15
const SPA_TYPE_CHOICE = 19
const SPA_CHOICE_NONE = 0
const SPA_FORMAT_AUDIO_FORMAT = 0x10001
const SPA_FORMAT_AUDIO_CHANNELS = 0x10004
/** Larger parameter objects are not formats. */
const maxPodBytes = 64 * 1024

interface PwLayout extends Layout {
  planar: boolean
}

/**
 * The fixed audio format and channel count in an SPA object: {size, type} then {object type, id}, then
 * properties {key, flags, value {size, type, body}} each padded to 8 bytes; a value may be a choice of one.
 */
export function podLayout(pod: NativePointer): PwLayout | null {
  const size = pod.readU32()
  if (pod.add(4).readU32() !== SPA_TYPE_OBJECT || size < 8 || size > maxPodBytes) return null
  let format = -1
  let channels = 0
  for (let at = 16; at + 16 <= size + 8;) {
    const key = pod.add(at).readU32()
    const valueSize = pod.add(at + 8).readU32()
    let type = pod.add(at + 12).readU32()
    let body = pod.add(at + 16)
    if (type === SPA_TYPE_CHOICE && body.readU32() === SPA_CHOICE_NONE) {
      type = body.add(12).readU32()
      body = body.add(16)
    }
    if (key === SPA_FORMAT_AUDIO_FORMAT && type === SPA_TYPE_ID) format = body.readU32()
    if (key === SPA_FORMAT_AUDIO_CHANNELS && type === SPA_TYPE_INT) channels = body.readS32()
    at += 16 + ((valueSize + 7) & ~7)
  }
  const f = interleaved[format] ?? planar[format]
  if (!f || channels <= 0 || channels > 64) return null
  const isPlanar = format in planar
  return { format: f, channels, frameBytes: sampleSize(f) * channels, planar: isPlanar }
}

const capture = new Map<string, PwLayout | null>()
const key = (stream: NativePointer) => `pw:${stream}`

function forget(stream: NativePointer): void {
  streamClosed(key(stream))
  capture.delete(stream.toString())
}

/**
 * pw_buffer { struct spa_buffer *buffer; ... }; spa_buffer { u32 n_metas, n_datas; metas*; datas* };
 * spa_data { u32 type, flags; i64 fd; u32 mapoffset, maxsize; void *data; spa_chunk *chunk };
 * spa_chunk { u32 offset, size; i32 stride, flags }.
 */
function dequeued(stream: NativePointer, pwBuffer: NativePointer): void {
  const layout = capture.get(stream.toString())
  if (layout === undefined || pwBuffer.isNull()) return
  const ps = Process.pointerSize
  const spa = pwBuffer.readPointer()
  const n = Math.min(spa.add(4).readU32(), 64)
  const datas = spa.add(8 + ps).readPointer()
  const dataSize = 24 + 2 * ps
  const level = layout?.format ? emptyLevel() : null
  const budget = { left: config.cap }
  let bytes = 0
  let frames = 0
  for (let i = 0; i < n; i++) {
    const d = datas.add(i * dataSize)
    const maxsize = d.add(20).readU32()
    const chunk = d.add(24 + ps).readPointer()
    const offset = maxsize > 0 ? chunk.readU32() % maxsize : 0
    const size = Math.min(chunk.add(4).readU32(), maxsize - offset)
    const stride = chunk.add(8).readS32()
    bytes += size
    if (i === 0)
      frames = layout?.planar
        ? size / sampleSize(layout.format!)
        : Math.floor(size / (stride > 0 ? stride : layout?.frameBytes || size || 1))
    if (level && layout?.format) {
      const sample = sampleSize(layout.format)
      addSamples(
        level,
        d.add(24).readPointer().add(offset),
        Math.floor(size / sample),
        sample,
        layout.format,
        budget,
      )
    }
  }
  if (bytes > 0) countRead(key(stream), 'pw_stream_dequeue_buffer', Math.floor(frames), bytes, level)
}

const hooks: AudioHook[] = [
  {
    fn: 'pw_stream_connect',
    enter(args, call) {
      if (args[1].toInt32() !== PW_DIRECTION_INPUT) return
      call.saved.push(args[0])
      const params = args[4]
      const count = Math.min(args[5].toUInt32(), 64)
      for (let i = 0; i < count && !call.layout && !params.isNull(); i++) {
        const pod = params.add(i * Process.pointerSize).readPointer()
        if (!pod.isNull()) call.layout = podLayout(pod)
      }
    },
    leave(ret, call) {
      if (call.saved.length === 0 || ret.toInt32() !== 0) return
      capture.set(call.saved[0].toString(), call.layout as PwLayout | null)
      streamOpened(key(call.saved[0]), 'pw_stream_dequeue_buffer')
    },
  },
  { fn: 'pw_stream_disconnect', enter: (args) => forget(args[0]) },
  { fn: 'pw_stream_destroy', enter: (args) => forget(args[0]) },
  {
    fn: 'pw_stream_dequeue_buffer',
    enter: (args, call) => void call.saved.push(args[0]),
    leave: (ret, call) => dequeued(call.saved[0], ret),
  },
]

export const pipewireHooks: FamilyHooks = { family: 'pipewire', hooks }
