import type { FileHandle } from 'node:fs/promises'
import { UserError } from '../errors'

/**
 * A streaming WAV reader for the encodings a lab actually produces (PCM 8/16/24/32-bit, float 32/64-bit,
 * plain or WAVE_FORMAT_EXTENSIBLE). Hand-written because the npm WAV libraries load the whole file into memory,
 * and a 24-hour recording must stream in constant memory.
 */
export interface WavHeader {
  /** 'other' covers compressed WAV (ADPCM, mu-law, ...) that only ffmpeg decodes. */
  encoding: 'pcm' | 'float' | 'other'
  formatCode: number
  channels: number
  sampleRate: number
  bitsPerSample: number
  blockAlign: number
  dataOffset: number
  dataBytes: number
}

const WAVE_FORMAT_PCM = 1
const WAVE_FORMAT_IEEE_FLOAT = 3
const WAVE_FORMAT_EXTENSIBLE = 0xfffe
const HEADER_SCAN = 1 << 16

/** Parses the RIFF header; null when the file is not a RIFF/WAVE file (so ffmpeg should handle it). */
export async function readWavHeader(fh: FileHandle, size: number, file: string): Promise<WavHeader | null> {
  const head = Buffer.alloc(Math.min(size, HEADER_SCAN))
  await fh.read(head, 0, head.length, 0)
  if (
    head.length < 12 ||
    head.toString('latin1', 0, 4) !== 'RIFF' ||
    head.toString('latin1', 8, 12) !== 'WAVE'
  ) {
    return null
  }
  let fmt: Omit<WavHeader, 'dataOffset' | 'dataBytes'> | null = null
  let pos = 12
  while (pos + 8 <= head.length) {
    const id = head.toString('latin1', pos, pos + 4)
    const len = head.readUInt32LE(pos + 4)
    const body = pos + 8
    if (id === 'fmt ') {
      if (len < 16 || body + 16 > head.length) break
      let formatCode = head.readUInt16LE(body)
      if (formatCode === WAVE_FORMAT_EXTENSIBLE && len >= 40 && body + 26 <= head.length) {
        formatCode = head.readUInt16LE(body + 24) // first two bytes of the sub-format GUID
      }
      const bitsPerSample = head.readUInt16LE(body + 14)
      const channels = head.readUInt16LE(body + 2)
      const blockAlign = head.readUInt16LE(body + 12)
      const packed = blockAlign === (channels * bitsPerSample) / 8
      const pcm = packed && formatCode === WAVE_FORMAT_PCM && [8, 16, 24, 32].includes(bitsPerSample)
      const float = packed && formatCode === WAVE_FORMAT_IEEE_FLOAT && [32, 64].includes(bitsPerSample)
      fmt = {
        encoding: pcm ? 'pcm' : float ? 'float' : 'other',
        formatCode,
        channels,
        sampleRate: head.readUInt32LE(body + 4),
        blockAlign,
        bitsPerSample,
      }
    } else if (id === 'data') {
      if (!fmt) break
      if (fmt.channels === 0 || fmt.sampleRate === 0 || fmt.blockAlign === 0) {
        throw new UserError(
          `${file} has a damaged WAV header (no channels or sample rate); re-export it`,
          'bad_audio',
        )
      }
      // 0 and 0xFFFFFFFF mark a header written before the length was known (a stream or a crashed recorder).
      const open = len === 0 || len === 0xffffffff
      const dataBytes = open ? size - body : len
      if (body + dataBytes > size) {
        const secs = (n: number) => (n / (fmt!.blockAlign * fmt!.sampleRate)).toFixed(2)
        throw new UserError(
          `${file} is truncated: its header announces ${secs(dataBytes)} s of audio but only ` +
            `${secs(Math.max(0, size - body))} s are present (an interrupted copy or recording); ` +
            'copy or export it again',
          'truncated',
        )
      }
      return { ...fmt, dataOffset: body, dataBytes: dataBytes - (dataBytes % fmt.blockAlign) }
    }
    pos = body + len + (len % 2)
  }
  throw new UserError(
    `${file} is truncated or damaged: no WAV ${fmt ? 'data' : 'format'} chunk was found; export it again`,
    'truncated',
  )
}

/**
 * Mixes interleaved frames to mono floats in [-1, 1): the mean of the channels. `bytes` must own its
 * ArrayBuffer from offset 0 (Buffer.allocUnsafeSlow) so the typed views below are aligned and copy-free.
 */
function toMono(h: WavHeader, bytes: Buffer, frames: number): Float32Array {
  const out = new Float32Array(frames)
  const ch = h.channels
  const n = frames * ch
  const scale = 1 / ch
  let src: ArrayLike<number>
  let gain: number
  if (h.encoding === 'float') {
    src = h.bitsPerSample === 32 ? new Float32Array(bytes.buffer, 0, n) : new Float64Array(bytes.buffer, 0, n)
    gain = 1
  } else if (h.bitsPerSample === 16) {
    src = new Int16Array(bytes.buffer, 0, n)
    gain = 1 / 32768
  } else if (h.bitsPerSample === 32) {
    src = new Int32Array(bytes.buffer, 0, n)
    gain = 1 / 2147483648
  } else if (h.bitsPerSample === 24) {
    const s = new Int32Array(n)
    for (let i = 0, b = 0; i < n; i++, b += 3)
      s[i] = ((bytes[b] | (bytes[b + 1] << 8) | (bytes[b + 2] << 16)) << 8) >> 8
    src = s
    gain = 1 / 8388608
  } else {
    const s = new Int16Array(n)
    for (let i = 0; i < n; i++) s[i] = bytes[i] - 128
    src = s
    gain = 1 / 128
  }
  if (ch === 1) {
    for (let i = 0; i < frames; i++) out[i] = src[i] * gain
  } else {
    const g = gain * scale
    for (let f = 0, i = 0; f < frames; f++) {
      let sum = 0
      for (let c = 0; c < ch; c++) sum += src[i++]
      out[f] = sum * g
    }
  }
  return out
}

/** Streams the data chunk as mono Float32Array blocks of up to `blockFrames` frames. */
export async function* readWavBlocks(
  fh: FileHandle,
  h: WavHeader,
  blockFrames: number,
): AsyncGenerator<Float32Array> {
  const bytesPerBlock = blockFrames * h.blockAlign
  let offset = 0
  while (offset < h.dataBytes) {
    const want = Math.min(bytesPerBlock, h.dataBytes - offset)
    const buf = Buffer.allocUnsafeSlow(want)
    const { bytesRead } = await fh.read(buf, 0, want, h.dataOffset + offset)
    const frames = Math.floor(bytesRead / h.blockAlign)
    if (frames === 0) break
    offset += frames * h.blockAlign
    yield toMono(h, buf, frames)
  }
}
