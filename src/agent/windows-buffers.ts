/**
 * Argument parsing for the Windows encryption APIs, kept apart from the hooks so tests can run it inside a
 * real Frida session against memory they lay out themselves.
 */

/** SECBUFFER_DATA: the plaintext that EncryptMessage encrypts in place. */
export const SECBUFFER_DATA = 1
/** The high bits of BufferType carry attribute flags (SECBUFFER_READONLY...), not the type. */
const SECBUFFER_ATTRMASK = 0xf0000000
/** Schannel uses 4 buffers; anything far beyond that is a misread pointer, not a message. */
const MAX_SECBUFFERS = 64

export interface SecBuffer {
  type: number
  size: number
  pointer: NativePointer
}

export interface Plaintext {
  bytes: ArrayBuffer
  /** Full size before the cap. */
  size: number
}

/** Reads a SecBufferDesc { ULONG ulVersion; ULONG cBuffers; PSecBuffer pBuffers; }. */
export function readSecBufferDesc(desc: NativePointer): SecBuffer[] {
  const count = desc.add(4).readU32()
  if (count > MAX_SECBUFFERS) throw new Error(`SecBufferDesc at ${desc} claims ${count} buffers`)
  const first = desc.add(8).readPointer()
  // SecBuffer { ULONG cbBuffer; ULONG BufferType; PVOID pvBuffer; }: pvBuffer sits at 8 on 32 and 64 bit.
  const stride = 8 + Process.pointerSize
  const buffers: SecBuffer[] = []
  for (let i = 0; i < count; i++) {
    const b = first.add(i * stride)
    buffers.push({
      size: b.readU32(),
      type: (b.add(4).readU32() & ~SECBUFFER_ATTRMASK) >>> 0,
      pointer: b.add(8).readPointer(),
    })
  }
  return buffers
}

/** Buffers' bytes end to end, capped; null when they hold none. */
function gather(buffers: { size: number; pointer: NativePointer }[], cap: number): Plaintext | null {
  const data = buffers.filter((b) => b.size > 0 && !b.pointer.isNull())
  if (data.length === 0) return null
  const size = data.reduce((n, b) => n + b.size, 0)
  const out = new Uint8Array(Math.min(size, cap))
  let at = 0
  for (const b of data) {
    const n = Math.min(b.size, out.length - at)
    if (n <= 0) break
    out.set(new Uint8Array(b.pointer.readByteArray(n) ?? new ArrayBuffer(0)), at)
    at += n
  }
  return { bytes: out.buffer, size }
}

/** The SECBUFFER_DATA buffers of an EncryptMessage call, concatenated and capped; null when there are none. */
export function secBufferPlaintext(desc: NativePointer, cap: number): Plaintext | null {
  return gather(
    readSecBufferDesc(desc).filter((b) => b.type === SECBUFFER_DATA),
    cap,
  )
}

/**
 * BCryptEncrypt(hKey, pbInput, cbInput, pPaddingInfo, pbIV, cbIV, pbOutput, cbOutput, pcbResult, dwFlags):
 * the input plaintext, or null for the size query (pbOutput NULL) and empty input, which encrypt nothing.
 */
export function bcryptPlaintext(args: { [index: number]: NativePointer }, cap: number): Plaintext | null {
  const input = args[1]
  const size = args[2].toUInt32()
  if (args[6].isNull() || input.isNull() || size === 0) return null
  return { bytes: input.readByteArray(Math.min(size, cap)) ?? new ArrayBuffer(0), size }
}

/** WSASend's buffer count is the app's; far beyond what any app gathers is a misread pointer. */
const MAX_WSABUFS = 1024

/** The bytes of a WSABUF array { ULONG len; CHAR *buf; } (WSASend, WSASendTo), concatenated and capped. */
export function wsaBufPlaintext(buffers: NativePointer, count: number, cap: number): Plaintext | null {
  if (buffers.isNull() || count > MAX_WSABUFS) return null
  const stride = 2 * Process.pointerSize
  const parts = []
  for (let i = 0; i < count; i++) {
    const b = buffers.add(i * stride)
    parts.push({ size: b.readU32(), pointer: b.add(Process.pointerSize).readPointer() })
  }
  return gather(parts, cap)
}
