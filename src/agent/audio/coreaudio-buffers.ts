import { addSamples, emptyLevel, sampleSize, type Layout, type Level, type SampleFormat } from './samples'

/**
 * Core Audio's structures, read from memory: the AudioStreamBasicDescription of a stream and the
 * AudioBufferList an input unit or IOProc hands the app. Kept apart from the hooks so tests can run them
 * inside a real Frida session against memory they lay out themselves.
 */

/** kAudioFormatLinearPCM ('lpcm'): only linear PCM has samples to measure. */
const linearPcm = 0x6c70636d
const isFloat = 1 << 0
const isBigEndian = 1 << 1
const isSignedInteger = 1 << 2
const isNonInterleaved = 1 << 5
/** kLinearPCMFormatFlagsSampleFractionMask: fixed-point samples (8.24), not measured. */
const fractionBits = 0x3f << 7
/** More channels, buffers or bytes than any device delivers in one cycle means a misread structure. */
const maxChannels = 64
export const maxBuffers = 64
export const maxBufferBytes = 16 << 20

/** The sample format of linear PCM flags and sizes, or null (big-endian, unsigned, fixed-point, 24-bit...). */
function sampleFormat(flags: number, bits: number, bytes: number): SampleFormat | null {
  if (flags & isBigEndian || flags & fractionBits) return null
  if (flags & isFloat) return bits === 32 && bytes === 4 ? 'f32' : null
  if (!(flags & isSignedInteger)) return null
  if (bits === 16 && bytes === 2) return 's16'
  if (bits === 32 && bytes === 4) return 's32'
  return null
}

/**
 * AudioStreamBasicDescription { f64 mSampleRate; u32 mFormatID, mFormatFlags, mBytesPerPacket,
 * mFramesPerPacket, mBytesPerFrame, mChannelsPerFrame, mBitsPerChannel, mReserved }; the rate is not needed.
 * Non-interleaved (one buffer per channel), the bytes per frame are one channel's. Null when it describes no
 * stream of channels.
 */
export function asbdLayout(asbd: NativePointer): Layout | null {
  const formatId = asbd.add(8).readU32()
  const flags = asbd.add(12).readU32()
  const bytesPerFrame = asbd.add(24).readU32()
  const channels = asbd.add(28).readU32()
  const bits = asbd.add(32).readU32()
  if (channels === 0 || channels > maxChannels) return null
  const planar = (flags & isNonInterleaved) !== 0
  const sampleBytes = planar ? bytesPerFrame : bytesPerFrame / channels
  const format = formatId === linearPcm ? sampleFormat(flags, bits, sampleBytes) : null
  return {
    format,
    channels,
    // Compressed formats have no fixed frame size: their bytes count, their frames do not.
    frameBytes: formatId === linearPcm ? (planar ? bytesPerFrame * channels : bytesPerFrame) : 0,
  }
}

export interface BufferListRead {
  buffers: number
  bytes: number
  /** Frames in the list (each buffer holds as many); null when the layout does not tell a frame's size. */
  frames: number | null
  /** The samples' level; null when their format is not known. */
  level: Level | null
}

/**
 * AudioBufferList { u32 mNumberBuffers; AudioBuffer mBuffers[] } with AudioBuffer { u32 mNumberChannels;
 * u32 mDataByteSize; void *mData } (pointer-aligned). The level reads at most `cap` bytes over all buffers.
 */
export function readBufferList(list: NativePointer, layout: Layout | null, cap: number): BufferListRead {
  const count = list.readU32()
  if (count > maxBuffers) throw new Error(`AudioBufferList claims more than ${maxBuffers} buffers`)
  const ps = Process.pointerSize
  const format = layout?.format ?? null
  const channelBytes = layout && layout.channels > 0 ? layout.frameBytes / layout.channels : 0
  const level = format ? emptyLevel() : null
  const budget = { left: cap }
  let bytes = 0
  let frames: number | null = null
  for (let i = 0; i < count; i++) {
    const buffer = list.add(ps + i * (8 + ps))
    const channels = buffer.readU32()
    const size = buffer.add(4).readU32()
    if (size > maxBufferBytes) throw new Error(`AudioBuffer claims more than ${maxBufferBytes} bytes`)
    bytes += size
    if (i === 0 && channels > 0 && channelBytes > 0) frames = Math.floor(size / (channelBytes * channels))
    if (level && format) {
      const sample = sampleSize(format)
      addSamples(level, buffer.add(8).readPointer(), Math.floor(size / sample), sample, format, budget)
    }
  }
  return { buffers: count, bytes, frames, level }
}
