import { z } from 'zod'
import { hookGroups, type AgentMessage } from '../../agent/protocol'

/**
 * The agent runs inside a process we audit, so what it sends is checked like any other input before use:
 * a message that does not fit is refused and counted, and the capture goes on.
 */

const text = (max: number) => z.string().max(max)
const hooked = z.object({
  fn: text(256),
  module: text(4096),
  group: z.enum(hookGroups),
  address: text(64),
  how: z.enum(['export', 'symbol', 'pattern']).optional(),
})

const capture = z.object({
  type: z.literal('capture'),
  t: z.number().finite().nonnegative(),
  fn: text(256),
  module: text(4096),
  thread: z.number().int(),
  conn: text(512),
  peer: text(512).nullable(),
  dir: z.enum(['out', 'in']),
  size: z.number().int().nonnegative(),
})

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const micSecond = z.object({
  t: z.number().int().nonnegative(),
  api: text(100).min(1),
  reads: count,
  frames: count,
  bytes: count,
  samples: count,
  sumSquares: z.number().finite().nonnegative(),
  peak: z.number().finite().nonnegative(),
})

const agentMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('mic-access'), seconds: z.array(micSecond).max(1000) }),
  z.object({
    type: z.literal('audio-apis'),
    apis: z
      .array(z.object({ module: text(4096), family: text(64), fns: z.array(text(256)).max(100) }))
      .max(1000),
  }),
  capture,
  z
    .object({
      type: z.literal('captures'),
      items: z.array(capture).max(100_000),
      lengths: z.array(z.number().int().nonnegative()).max(100_000),
    })
    .refine((m) => m.items.length === m.lengths.length, 'one length per capture'),
  z.object({ type: z.literal('hooks'), hooks: z.array(hooked).max(10_000) }),
  z.object({ type: z.literal('hook-error'), fn: text(256), module: text(4096), message: text(4096) }),
  z.object({ type: z.literal('keylog'), line: text(1024) }),
  z.object({
    type: z.literal('located'),
    key: text(8192),
    offsets: z.record(text(256), z.number().int().nonnegative()),
  }),
  z.object({
    type: z.literal('libraries'),
    libraries: z
      .array(
        z.object({
          module: text(4096),
          library: text(64),
          how: z.enum(['export', 'symbol', 'pattern', 'keys', 'unreachable']),
          detail: text(1024),
        }),
      )
      .max(1000),
  }),
  z.object({
    type: z.literal('tls-unseen'),
    conn: text(512),
    peer: text(512),
    records: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
  }),
])

/** The message, or why it was refused. */
export function parseAgentMessage(payload: unknown): AgentMessage | string {
  const r = agentMessage.safeParse(payload)
  if (r.success) return r.data as AgentMessage
  const issue = r.error.issues[0]
  return `${issue.path.join('.') || 'payload'}: ${issue.message}`
}
