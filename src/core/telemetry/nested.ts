import { jsonDeeperThan } from '../json-depth'
import { type Compression, decompress, sniffCompression } from './codec'
import type { DecodeLimits } from './limits'
import { Malformed } from './problem'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** Characters of base64 and base64url (node's base64 decoder takes both alphabets). */
const notBase64 = /[^A-Za-z0-9+/_=-]/
/** Shorter strings are ids, flags and words far more often than encoded documents. */
const minEncodedLength = 24
/** Hex ids (UUIDs, hashes) are valid base64 too; no encoded document starts like them (gzip is "H4sI"). */
const hexId = /^[0-9A-Fa-f_-]+$/
/**
 * V8's JSON.parse is iterative, so depth is checked on the parsed value (by `walk`); only text with this
 * many brackets is scanned first, as parsing millions of nested arrays would itself take seconds.
 */
const scanAbove = 10_000

/** Parses JSON text, refusing absurdly deep text before parsing it. */
export function parseJson(text: string, limits: DecodeLimits): Json {
  if (openers(text, scanAbove) > scanAbove && jsonDeeperThan(text, limits.maxJsonDepth))
    throw tooDeep(limits.maxJsonDepth)
  try {
    return JSON.parse(text) as Json
  } catch (err) {
    throw new Malformed('json', `invalid JSON: ${(err as Error).message}`)
  }
}

function tooDeep(max: number): Malformed {
  return new Malformed('limit', `JSON nested deeper than ${max} levels; skipped`)
}

/** How many '{' and '[' the text has, counting no further than max + 1 (indexOf is much faster than a loop). */
function openers(text: string, max: number): number {
  let n = 0
  for (const c of ['{', '['])
    for (let i = text.indexOf(c); i >= 0 && n <= max; i = text.indexOf(c, i + 1)) n++
  return n
}

interface Walk {
  limits: DecodeLimits
  /** Decompressed bytes still allowed for this document. */
  budget: { bytes: number }
  problems: Malformed[]
}

/**
 * Replaces, in place, every string that holds an encoded document (base64 or base64url of gzip, zlib, raw
 * deflate or JSON, or JSON text itself) by the decoded document, recursively up to `maxNestingDepth`
 * encodings deep, and refuses documents nested deeper than `maxJsonDepth`. Strings that merely look
 * encoded are left as they are; a string whose compression header is valid but whose data is not (or
 * expands past the limits) is reported through `problems` and also left as it is.
 */
export function expandNested(value: Json, limits: DecodeLimits, problems: Malformed[]): Json {
  return walk(value, 0, 0, { limits, budget: { bytes: limits.maxDecodedBytes }, problems })
}

function walk(value: Json, nesting: number, depth: number, w: Walk): Json {
  if (typeof value === 'string')
    return nesting < w.limits.maxNestingDepth ? expandString(value, nesting, depth, w) : value
  if (value === null || typeof value !== 'object') return value
  if (depth >= w.limits.maxJsonDepth) throw tooDeep(w.limits.maxJsonDepth)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = walk(value[i], nesting, depth + 1, w)
  } else {
    for (const k of Object.keys(value)) value[k] = walk(value[k], nesting, depth + 1, w)
  }
  return value
}

function expandString(s: string, nesting: number, depth: number, w: Walk): Json {
  const decoded = decodeString(s, w)
  return decoded === undefined ? s : walk(decoded, nesting + 1, depth, w)
}

/** The document inside `s`, or undefined when `s` is just a string. */
function decodeString(s: string, w: Walk): Json | undefined {
  const { limits, problems } = w
  const first = s.charCodeAt(0)
  const textual = first === 0x7b || first === 0x5b
  if (!textual && (s.length < minEncodedLength || notBase64.test(s) || hexId.test(s))) return undefined
  const bytes = textual ? undefined : Buffer.from(s, 'base64')
  const kind = bytes && sniffCompression(bytes)
  try {
    if (!bytes) return tryJson(s, limits)
    if (kind) {
      const text = inflateWithin(bytes, kind, w).toString('utf8')
      return tryJson(text, limits) ?? text
    }
    if (bytes[0] === 0x7b || bytes[0] === 0x5b) return tryJson(bytes.toString('utf8'), limits)
    return guessRawDeflate(s, bytes, w)
  } catch (err) {
    if (!(err instanceof Malformed)) throw err
    // A failed guess (raw deflate, or a zlib header that was chance) means the string was not encoded;
    // a bad gzip stream (three magic bytes) is worth telling.
    if (kind === 'gzip' || err.stage === 'limit')
      problems.push(
        new Malformed(err.stage === 'limit' ? 'limit' : 'nested', `encoded string: ${err.message}`),
      )
    return undefined
  }
}

/** Decompresses within what is left of the document's budget (and the ratio limit). */
function inflateWithin(bytes: Buffer, kind: Compression, { limits, budget }: Walk): Buffer {
  if (budget.bytes <= 0)
    throw new Malformed('limit', `message decodes to more than ${limits.maxDecodedBytes} bytes`)
  const out = decompress(bytes, kind, { ...limits, maxDecodedBytes: budget.bytes })
  budget.bytes -= out.length
  return out
}

/**
 * Raw deflate has no header to recognise, so it is only a guess: most such strings are ids or tokens.
 * A failed guess is not a problem, and only a JSON result is trusted. (BTYPE 11 is reserved: data starting
 * so is not deflate, and zlib need not be asked.)
 */
function guessRawDeflate(s: string, bytes: Buffer, w: Walk): Json | undefined {
  // Words and CONSTANT_NAMES are valid base64 too; compressed data's base64 mixes digits and both cases.
  if (!/\d/.test(s) || !/[a-z]/.test(s) || !/[A-Z]/.test(s) || (bytes[0] & 0x06) === 0x06) return undefined
  let inflated: Buffer
  try {
    inflated = inflateWithin(bytes, 'deflate-raw', w)
  } catch (err) {
    if (err instanceof Malformed && err.stage === 'limit') throw err
    return undefined
  }
  const first = inflated[0]
  return first === 0x7b || first === 0x5b ? tryJson(inflated.toString('utf8'), w.limits) : undefined
}

function tryJson(text: string, limits: DecodeLimits): Json | undefined {
  const t = text.trimStart()
  if (t[0] !== '{' && t[0] !== '[') return undefined
  try {
    return parseJson(text, limits)
  } catch (err) {
    if (err instanceof Malformed && err.stage === 'limit') throw err
    return undefined
  }
}
