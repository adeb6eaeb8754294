import { z } from 'zod'

/**
 * The lines resources/frida-bridge.py writes. Everything on that pipe is checked here before use: the bridge
 * runs a third-party library next to a target we do not trust, so a line may be anything.
 */

/** A line or a message's binary data: captures are capped at 1 MiB by default, batches far below this. */
export const maxBridgeLine = 64 * 1024 * 1024

const crash = z.object({ summary: z.string(), report: z.string() }).nullable()
const scriptMessage = z
  .object({
    type: z.string(),
    payload: z.unknown().optional(),
    description: z.string().optional(),
    stack: z.string().optional(),
  })
  .passthrough()

export const bridgeLine = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({
    id: z.number().int().nullable(),
    ok: z.literal(false),
    error: z.object({ type: z.string(), message: z.string() }),
  }),
  z.object({ event: z.literal('ready'), frida: z.string() }),
  z.object({ event: z.literal('fatal'), code: z.string(), message: z.string() }),
  z.object({
    event: z.literal('message'),
    session: z.number().int(),
    message: scriptMessage,
    /** Raw bytes that follow this line (the message's binary data), if any. */
    bytes: z.number().int().nonnegative().max(maxBridgeLine).nullable(),
  }),
  z.object({ event: z.literal('log'), session: z.number().int(), level: z.string(), text: z.string() }),
  z.object({ event: z.literal('detached'), session: z.number().int(), reason: z.string(), crash }),
  z.object({
    event: z.literal('portal'),
    what: z.enum([
      'node-connected',
      'node-joined',
      'node-left',
      'node-disconnected',
      'controller-connected',
      'controller-disconnected',
    ]),
    connection: z.number().int(),
    app: z.object({ pid: z.number().int(), name: z.string(), identifier: z.string() }).optional(),
  }),
])
export type BridgeLine = z.infer<typeof bridgeLine>
export type PortalEvent = Omit<Extract<BridgeLine, { event: 'portal' }>, 'event'>

/**
 * Splits the bridge's output into lines, each with the raw bytes its `bytes` field announces, never
 * buffering more than `max`: a longer line is reported and skipped.
 */
export class BridgeReader {
  private parts: Buffer[] = []
  private size = 0
  private skipping = false
  /** A message waiting for its binary data, and how many bytes are still to come. */
  private waiting: { msg: BridgeLine & { event: 'message' }; need: number } | null = null

  constructor(
    private readonly max: number,
    private readonly onLine: (msg: BridgeLine, data: Buffer | null) => void,
    private readonly onRefused: (why: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      if (this.waiting) {
        const take = Math.min(this.waiting.need - this.size, chunk.length - at)
        this.parts.push(chunk.subarray(at, at + take))
        this.size += take
        at += take
        if (this.size === this.waiting.need) {
          const { msg } = this.waiting
          const data = Buffer.concat(this.parts, this.size)
          this.reset()
          this.onLine(msg, data)
        }
        continue
      }
      const nl = chunk.indexOf(10, at)
      const end = nl === -1 ? chunk.length : nl
      if (!this.skipping) {
        this.parts.push(chunk.subarray(at, end))
        this.size += end - at
        if (this.size > this.max) this.skipping = true
      } else this.size += end - at
      at = end
      if (nl === -1) break
      at++
      if (this.skipping) this.onRefused(`a ${this.size}-byte line (over ${this.max})`)
      else this.line(Buffer.concat(this.parts, this.size).toString('utf8'))
      if (!this.waiting) this.reset()
    }
  }

  private reset(): void {
    this.parts = []
    this.size = 0
    this.skipping = false
    this.waiting = null
  }

  private line(text: string): void {
    if (!text.trim()) return
    const msg = parseBridgeLine(text)
    if (typeof msg === 'string') return this.onRefused(msg)
    if ('event' in msg && msg.event === 'message' && msg.bytes !== null && msg.bytes > 0) {
      this.parts = []
      this.size = 0
      this.waiting = { msg, need: msg.bytes }
      return
    }
    this.onLine(msg, 'event' in msg && msg.event === 'message' && msg.bytes === 0 ? Buffer.alloc(0) : null)
  }
}

/** Parses one line; a string saying why when it is not a bridge line. */
export function parseBridgeLine(line: string): BridgeLine | string {
  if (line.length > maxBridgeLine) return `a ${line.length}-byte line (over ${maxBridgeLine})`
  let json: unknown
  try {
    json = JSON.parse(line)
  } catch {
    return `not JSON: ${printable(line.slice(0, 120))}`
  }
  const r = bridgeLine.safeParse(json)
  return r.success ? r.data : `not a bridge message: ${printable(line.slice(0, 120))}`
}

/** Text a target controls, safe to print: terminal control characters become "?". */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?')
}
