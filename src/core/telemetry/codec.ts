import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib'
import type { DecodeLimits } from './limits'
import { Malformed } from './problem'

export type Compression = 'gzip' | 'zlib' | 'deflate-raw' | 'br'

/** Never less than this is allowed out of a decompression, so tiny inputs are not judged by ratio alone. */
const ratioFloorBytes = 64 * 1024

/**
 * Decompresses with node's zlib, stopping as soon as the output passes the size the limits allow for this
 * input (zlib's maxOutputLength aborts mid-stream, so a bomb never gets inflated in full).
 */
export function decompress(data: Uint8Array, kind: Compression, limits: DecodeLimits): Buffer {
  const cap = Math.min(
    limits.maxDecodedBytes,
    Math.max(ratioFloorBytes, data.length * limits.maxExpansionRatio),
  )
  const opts = { maxOutputLength: cap }
  try {
    switch (kind) {
      case 'gzip':
        return gunzipSync(data, opts)
      case 'zlib':
        return inflateSync(data, opts)
      case 'deflate-raw':
        return inflateRawSync(data, opts)
      case 'br':
        return brotliDecompressSync(data, opts)
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw new Malformed('limit', `${kind} data expands beyond ${cap} bytes (decompression bomb?); skipped`)
    throw new Malformed(kind, `invalid ${kind} data: ${e.message}`)
  }
}

/** What the first bytes say the data is, if compressed. */
export function sniffCompression(b: Uint8Array): Compression | null {
  if (b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 8) return 'gzip'
  // zlib: CM=8, window ≤ 32K, and the header checksum of RFC 1950.
  if (b.length >= 2 && (b[0] & 0x0f) === 8 && b[0] >> 4 <= 7 && ((b[0] << 8) | b[1]) % 31 === 0) return 'zlib'
  return null
}

/** Undoes a Content-Encoding header (codings applied left to right, so undone right to left). */
export function decodeContentEncoding(
  body: Buffer,
  header: string | undefined,
  limits: DecodeLimits,
): Buffer {
  if (!header) return body
  const codings = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
  let out = body
  for (const coding of codings.reverse()) {
    if (coding === 'gzip' || coding === 'x-gzip') out = decompress(out, 'gzip', limits)
    // "deflate" is meant to be zlib-wrapped, but some clients send raw deflate: the header tells which.
    else if (coding === 'deflate')
      out = decompress(out, sniffCompression(out) === 'zlib' ? 'zlib' : 'deflate-raw', limits)
    else if (coding === 'br') out = decompress(out, 'br', limits)
    else throw new Malformed('content-encoding', `unsupported Content-Encoding "${coding}"`)
  }
  return out
}
