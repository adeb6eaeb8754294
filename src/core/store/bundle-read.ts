import { closeSync, read, readSync } from 'node:fs'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { createGunzip } from 'node:zlib'
import { parser, type Token } from 'stream-json/parser.js'
import { z } from 'zod'
import { UserError } from '../errors'
import { jsonDeeperThan } from '../json-depth'
import { openRegularFile } from '../regular-file'
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  bundleCounts,
  bundleHeader,
  type BundleHeader,
  type BundleItem,
  bundleTables,
  isBundleTable,
} from './bundle-format'

const MB = 1024 * 1024

/** Bounds on what a bundle may make the reader hold or do; a bundle that passes them imports in bounded memory. */
export interface BundleLimits {
  /** A bundle may always expand to this much... */
  minExpandedBytes: number
  /** ...and to this many times its compressed size (JSON lines rarely compress 15-fold; bombs 1000-fold). */
  maxExpansionRatio: number
  /** Longest line or record: a capture of up to 32 MiB in base64 with its fields. */
  maxRecordBytes: number
  /** Deepest JSON in a record (event details are free-form). */
  maxJsonDepth: number
}

export const defaultBundleLimits: BundleLimits = {
  minExpandedBytes: 256 * MB,
  maxExpansionRatio: 64,
  maxRecordBytes: 48 * MB,
  maxJsonDepth: 64,
}

const fix = 'use a file made by "mutescope sessions export"'

function notABundle(why: string): UserError {
  return new UserError(`the file is not a MuteScope session bundle: ${why}; ${fix}`, 'not_a_bundle')
}

function damaged(why: string): UserError {
  return new UserError(`the session bundle is damaged: ${why}; export it again`, 'bad_bundle')
}

function hex(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')
}

function zlibError(err: unknown): UserError {
  if (err instanceof UserError) return err
  const e = err as NodeJS.ErrnoException
  if (typeof e.code === 'string' && e.code.startsWith('Z_'))
    return damaged(`its gzip data is corrupt (${e.message})`)
  if (e.message === 'unexpected end of file') return damaged('its gzip data ends early (truncated file)')
  return new UserError(`cannot read the session bundle: ${e.message}`)
}

/**
 * Reads a session bundle file (gzip'ed or plain, version 2 or 1) as a stream of items without ever holding
 * the whole session. Devices, FIFOs and folders are refused before reading; a gzip'ed bundle is first
 * decompressed without parsing to check that it expands no further than the limits allow, so a compression
 * bomb is refused within a second instead of being parsed row by row.
 */
export async function* readBundle(file: string, limits = defaultBundleLimits): AsyncGenerator<BundleItem> {
  const { fd, size } = openRegularFile(file, { what: 'session bundle', fix })
  try {
    const magic = Buffer.alloc(4)
    const n = readSync(fd, magic, 0, 4, 0)
    if (n === 0) throw notABundle('it is empty')
    let text: AsyncIterable<Buffer>
    if (magic[0] === 0x1f && magic[1] === 0x8b) {
      const cap = Math.max(limits.minExpandedBytes, limits.maxExpansionRatio * size)
      await checkExpansion(chunksOf(fd), cap, size)
      text = gunzipped(chunksOf(fd), cap, size)
    } else text = chunksOf(fd)
    yield* parseBundleText(text, limits, magic[0] === 0x1f && magic[1] === 0x8b)
  } finally {
    closeSync(fd)
  }
}

function tooLarge(cap: number, size: number): UserError {
  return notABundle(
    `it expands beyond ${Math.round(cap / MB)} MB (more than ${Math.round(cap / Math.max(size, 1))} times ` +
      `its ${(size / MB).toFixed(1)} MB), which no session export does (a compression bomb?)`,
  )
}

const readAt = promisify(read)

/**
 * The file's bytes from its start, a megabyte at a time. Read by position on the descriptor that was checked
 * to be a regular file, which stays open (and so can be read twice) until readBundle closes it.
 */
async function* chunksOf(fd: number): AsyncGenerator<Buffer> {
  for (let position = 0; ;) {
    const { bytesRead, buffer } = await readAt(fd, Buffer.allocUnsafe(MB), 0, MB, position)
    if (bytesRead === 0) return
    position += bytesRead
    yield buffer.subarray(0, bytesRead)
  }
}

/** Decompresses without keeping anything, to refuse a bomb at the speed of zlib. */
async function checkExpansion(bytes: AsyncIterable<Buffer>, cap: number, size: number): Promise<void> {
  for await (const _ of gunzipped(bytes, cap, size));
}

/** The decompressed bytes, refused past `cap`; both streams end with the iteration, however it ends. */
async function* gunzipped(bytes: AsyncIterable<Buffer>, cap: number, size: number): AsyncGenerator<Buffer> {
  const raw = Readable.from(bytes, { objectMode: false })
  const gunzip = createGunzip()
  raw.on('error', (err) => gunzip.destroy(err))
  raw.pipe(gunzip)
  let total = 0
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > cap) throw tooLarge(cap, size)
      yield chunk
    }
  } catch (err) {
    throw zlibError(err)
  } finally {
    raw.destroy()
    gunzip.destroy()
  }
}

/** Hands the first bytes to the right reader: version 2 lines, or the version 1 document. */
async function* parseBundleText(
  chunks: AsyncIterable<Buffer>,
  limits: BundleLimits,
  gzipped: boolean,
): AsyncGenerator<BundleItem> {
  const it = chunks[Symbol.asyncIterator]()
  const head: Buffer[] = []
  let headBytes = 0
  while (headBytes < 64) {
    const next = await it.next()
    if (next.done) break
    head.push(next.value)
    headBytes += next.value.length
  }
  const start = Buffer.concat(head)
  const first = start.toString('latin1').trimStart()
  if (!first.startsWith('{'))
    throw notABundle(
      first.length === 0
        ? `it ${gzipped ? 'decompresses to nothing' : 'is empty'}`
        : gzipped
          ? `it is gzip-compressed but holds no JSON (it starts with ${hex(start.subarray(0, 8))})`
          : `it is neither gzip-compressed nor JSON (it starts with ${hex(start.subarray(0, 8))})`,
    )
  const rest: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => (head.length > 0 ? { done: false, value: head.shift()! } : it.next()),
      return: async () => (await it.return?.()) ?? { done: true, value: undefined },
    }),
  }
  // Versions 2 and on are JSON lines; a newer version than this reader knows is refused by its header.
  if (/^\{\s*"format"\s*:\s*"mutescope-session"\s*,\s*"version"\s*:\s*([2-9]|\d\d+)\s*[,}]/.test(first))
    yield* version2(lines(rest, limits.maxRecordBytes), limits)
  else yield* version1(rest, limits)
}

/** Lines of at most maxBytes, without ever holding more than one line. */
async function* lines(chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<string> {
  let parts: Buffer[] = []
  let size = 0
  const add = (b: Buffer) => {
    size += b.length
    if (size > maxBytes) throw damaged(`it has a line longer than ${Math.round(maxBytes / MB)} MB`)
    parts.push(b)
  }
  for await (const chunk of chunks) {
    let from = 0
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, from)) {
      add(chunk.subarray(from, nl))
      yield Buffer.concat(parts, size).toString('utf8')
      parts = []
      size = 0
      from = nl + 1
    }
    if (from < chunk.length) add(chunk.subarray(from))
  }
  if (size > 0) yield Buffer.concat(parts, size).toString('utf8')
}

function parseLine(line: string, n: number, limits: BundleLimits): unknown {
  if (jsonDeeperThan(line, limits.maxJsonDepth))
    throw damaged(`line ${n} nests deeper than ${limits.maxJsonDepth} levels`)
  try {
    return JSON.parse(line)
  } catch (err) {
    throw damaged(`line ${n} is not JSON (${(err as Error).message})`)
  }
}

function invalid(where: string, error: z.ZodError): UserError {
  return damaged(`${where} is invalid: ${z.prettifyError(error).replace(/\n/g, ' ')}`)
}

function header(value: unknown): BundleHeader {
  if ((value as { format?: unknown } | null)?.format !== BUNDLE_FORMAT)
    throw notABundle('it has no "format": "mutescope-session"')
  const version = (value as { version?: unknown }).version
  if (typeof version === 'number' && version > BUNDLE_VERSION)
    throw new UserError(
      `the session bundle is version ${version}, made by a newer MuteScope; upgrade MuteScope to import it`,
      'bad_bundle',
    )
  const parsed = bundleHeader.safeParse(value)
  if (!parsed.success) throw invalid('its header', parsed.error)
  return parsed.data
}

function row(table: string, value: unknown, where: string): BundleItem {
  if (!isBundleTable(table)) throw damaged(`${where} names no table ("${table.slice(0, 40)}")`)
  const parsed = bundleTables[table].safeParse(value)
  if (!parsed.success) throw invalid(where, parsed.error)
  return { kind: 'row', table, row: parsed.data } as BundleItem
}

async function* version2(text: AsyncIterable<string>, limits: BundleLimits): AsyncGenerator<BundleItem> {
  let n = 0
  let ended = false
  for await (const line of text) {
    n++
    if (line.trim() === '') continue
    if (ended) throw damaged(`line ${n} comes after the end line`)
    const value = parseLine(line, n, limits)
    if (n === 1) {
      yield { kind: 'header', header: header(value) }
      continue
    }
    const keys = value !== null && typeof value === 'object' ? Object.keys(value) : []
    if (keys.length !== 1) throw damaged(`line ${n} is not one {"table": row} object`)
    const [key] = keys
    const inner = (value as Record<string, unknown>)[key]
    if (key === 'end') {
      const counts = bundleCounts.safeParse(inner)
      if (!counts.success) throw invalid(`the end line (${n})`, counts.error)
      ended = true
      yield { kind: 'end', counts: counts.data }
    } else yield row(key, inner, `line ${n}`)
  }
  if (n === 0) throw notABundle('it is empty')
  if (!ended) throw damaged('it ends before its end line (truncated file)')
}

/**
 * Version 1: one JSON document, `{format, version, exportedAt, session, telemetry: [...], captures: [...], ...}`,
 * read token by token (stream-json) so that each array element is built and handed on alone.
 */
async function* version1(chunks: AsyncIterable<Buffer>, limits: BundleLimits): AsyncGenerator<BundleItem> {
  const fields: Record<string, unknown> = {}
  let state: 'top' | 'members' | 'key' | 'value' | 'field' | 'rows' | 'row' | 'done' = 'top'
  let key = ''
  let builder = new ValueBuilder(limits)
  let index = 0
  let headed = false
  // The header's fields come before the row arrays in every version 1 bundle MuteScope wrote.
  function* ensureHeader(): Generator<BundleItem> {
    if (headed) return
    headed = true
    const h = header(fields)
    if (h.version !== 1) throw damaged(`it says version ${h.version} but is laid out as version 1`)
    yield { kind: 'header', header: h }
  }
  const tokens = Readable.from(chunks).pipe(parser.asStream({ packValues: false })) as AsyncIterable<Token>
  try {
    for await (const t of tokens) {
      if (state === 'top') {
        if (t.name !== 'startObject') throw notABundle('it is not a JSON object')
        state = 'members'
        continue
      }
      if (state === 'members') {
        if (t.name === 'endObject') state = 'done'
        else {
          key = ''
          state = 'key'
        }
        continue
      }
      if (state === 'key') {
        if (t.name === 'endKey') state = 'value'
        else if (t.name === 'stringChunk' && (key += t.value).length > 100)
          throw damaged('it has a key longer than 100 characters')
        continue
      }
      if (state === 'value') {
        if (isBundleTable(key)) {
          if (t.name !== 'startArray') throw damaged(`its "${key}" is not an array`)
          yield* ensureHeader()
          index = 0
          state = 'rows'
          continue
        }
        builder = new ValueBuilder(limits)
        state = 'field'
      } else if (state === 'rows') {
        if (t.name === 'endArray') {
          state = 'members'
          continue
        }
        builder = new ValueBuilder(limits)
        state = 'row'
      }
      // The token belongs to a value being built (a header field or a row).
      if (state === 'done' || !builder.add(t)) continue
      if (state === 'field') {
        fields[key] = builder.value
        state = 'members'
      } else {
        yield row(key, builder.value, `"${key}" element ${++index}`)
        state = 'rows'
      }
    }
  } catch (err) {
    throw err instanceof UserError ? err : damaged(`it is not valid JSON (${(err as Error).message})`)
  }
  if (state !== 'done') throw damaged('it ends in the middle of its JSON (truncated file)')
  yield* ensureHeader()
  yield { kind: 'end', counts: null }
}

type Container = unknown[] | Record<string, unknown>

/** Builds one JSON value from stream-json tokens, bounded in size and depth. */
class ValueBuilder {
  value: unknown = undefined
  private readonly stack: { container: Container; key: string | null }[] = []
  private text = ''
  private bytes = 0

  constructor(private readonly limits: BundleLimits) {}

  /** Takes one token; true once the value is complete. */
  add(t: Token): boolean {
    switch (t.name) {
      case 'startObject':
      case 'startArray':
        if (this.stack.length >= this.limits.maxJsonDepth)
          throw damaged(`a record nests deeper than ${this.limits.maxJsonDepth} levels`)
        this.stack.push({ container: t.name === 'startArray' ? [] : {}, key: null })
        return false
      case 'endObject':
      case 'endArray':
        return this.put(this.stack.pop()!.container)
      case 'startKey':
      case 'startString':
      case 'startNumber':
        this.text = ''
        return false
      case 'stringChunk':
      case 'numberChunk':
        this.bytes += t.value.length
        if (this.bytes > this.limits.maxRecordBytes)
          throw damaged(`a record is larger than ${Math.round(this.limits.maxRecordBytes / MB)} MB`)
        this.text += t.value
        return false
      case 'endKey':
        this.stack[this.stack.length - 1].key = this.text
        return false
      case 'endString':
        return this.put(this.text)
      case 'endNumber':
        return this.put(Number(this.text))
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        return this.put(t.value)
      default:
        return false
    }
  }

  private put(v: unknown): boolean {
    const top = this.stack[this.stack.length - 1]
    if (!top) {
      this.value = v
      return true
    }
    if (Array.isArray(top.container)) top.container.push(v)
    // defineProperty: a "__proto__" key becomes an own property, as with JSON.parse.
    else
      Object.defineProperty(top.container, top.key!, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    return false
  }
}
