import { z } from 'zod'

/**
 * The lines resources/frida-bridge.py writes. Everything on that pipe is checked here before use: the bridge
 * runs a third-party library next to a target we do not trust, so a line may be anything.
 */

/** A capture is capped at 1 MiB by default; its base64 plus the envelope stays far below this. */
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
    data: z.string().nullable(),
  }),
  z.object({ event: z.literal('log'), session: z.number().int(), level: z.string(), text: z.string() }),
  z.object({ event: z.literal('detached'), session: z.number().int(), reason: z.string(), crash }),
  z.object({
    event: z.literal('child'),
    host: z.string().nullable(),
    pid: z.number().int(),
    parentPid: z.number().int(),
    origin: z.string(),
    path: z.string().nullable(),
  }),
])
export type BridgeLine = z.infer<typeof bridgeLine>

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
