import { config } from '../state'
import type { AudioHook, FamilyHooks } from './hook'
import { countRead, streamClosed, streamOpened } from './report'
import { addInterleaved, addPlanar, emptyLevel, type Layout, type SampleFormat } from './samples'

/**
 * PortAudio's blocking input: Pa_ReadStream on a stream opened with input channels and no callback, its
 * format taken from Pa_OpenStream's input parameters or Pa_OpenDefaultStream's arguments. (A stream opened
 * before the agent came counts its frames; its format, hence its bytes and level, is not known.)
 */

const paNoError = 0
const paInputOverflowed = -9981
const paNonInterleaved = 0x80000000
/** PaSampleFormat: paFloat32, paInt32, paInt16. */
const formats: Record<number, SampleFormat> = { 1: 'f32', 2: 's32', 8: 's16' }
const bytesPer: Record<number, number> = { 1: 4, 2: 4, 4: 3, 8: 2, 0x10: 1, 0x20: 1 }

interface PaLayout extends Layout {
  planar: boolean
}

/**
 * The callback's position among the integer arguments: the sample rate (a double) travels in a floating-point
 * register on Linux and macOS, but takes an argument slot on Windows.
 */
const cbArg = Process.platform === 'windows' ? 6 : 5

function layoutOf(channels: number, sampleFormat: number): PaLayout {
  const base = sampleFormat & ~paNonInterleaved
  return {
    format: formats[base] ?? null,
    channels,
    frameBytes: (bytesPer[base] ?? 0) * channels,
    planar: (sampleFormat & paNonInterleaved) !== 0,
  }
}

const layouts = new Map<string, PaLayout>()
const key = (stream: NativePointer) => `pa-stream:${stream}`

function opened(ret: InvocationReturnValue, saved: NativePointer[], layout: Layout | null): void {
  if (!layout || ret.toInt32() !== paNoError) return
  const stream = saved[0].readPointer()
  layouts.set(stream.toString(), layout as PaLayout)
  streamOpened(key(stream), 'Pa_ReadStream')
}

const hooks: AudioHook[] = [
  {
    // (PaStream **, const PaStreamParameters *in, *out, double rate, frames, flags, callback, user)
    fn: 'Pa_OpenStream',
    enter(args, call) {
      const input = args[1]
      if (input.isNull() || !args[cbArg].isNull()) return
      call.saved.push(args[0])
      // PaStreamParameters { int device; int channelCount; PaSampleFormat sampleFormat; ... }
      call.layout = layoutOf(input.add(4).readS32(), Number(input.add(8).readULong()))
    },
    leave: (ret, call) => opened(ret, call.saved, call.layout),
  },
  {
    // (PaStream **, int inputs, int outputs, PaSampleFormat, double rate, frames, callback, user)
    fn: 'Pa_OpenDefaultStream',
    enter(args, call) {
      const inputs = args[1].toInt32()
      if (inputs <= 0 || !args[cbArg].isNull()) return
      call.saved.push(args[0])
      call.layout = layoutOf(inputs, args[3].toUInt32())
    },
    leave: (ret, call) => opened(ret, call.saved, call.layout),
  },
  {
    fn: 'Pa_CloseStream',
    enter(args) {
      streamClosed(key(args[0]))
      layouts.delete(args[0].toString())
    },
  },
  {
    fn: 'Pa_ReadStream',
    enter: (args, call) => void call.saved.push(args[0], args[1], args[2]),
    leave(ret, call) {
      const r = ret.toInt32()
      if (r !== paNoError && r !== paInputOverflowed) return
      const [stream, buffer, count] = call.saved
      const frames = count.toUInt32()
      const layout = layouts.get(stream.toString())
      let level = null
      if (layout?.format) {
        level = emptyLevel()
        const budget = { left: config.cap }
        if (layout.planar) addPlanar(level, buffer, frames, layout, budget)
        else addInterleaved(level, buffer, frames, layout, budget)
      }
      countRead(key(stream), 'Pa_ReadStream', frames, frames * (layout?.frameBytes ?? 0), level)
    },
  },
]

export const portaudioHooks: FamilyHooks = { family: 'portaudio', hooks }
