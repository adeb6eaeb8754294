import { z } from 'zod'
import { errorMessage, UserError } from '../errors'

/** Longest error message carried back from a worker; the rest is cut. */
const maxMessageChars = 4000

/** What the worker is started with (its workerData). */
export const startMessage = z.object({ name: z.string().max(100), input: z.unknown() }).strict()

/** The one message a worker receives while it runs. */
export const cancelMessage = z.object({ kind: z.literal('cancel') }).strict()

/** What a worker sends back: progress any number of times, then the output or the error. */
export const workerMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('progress'), progress: z.unknown() }).strict(),
  z.object({ kind: z.literal('done'), output: z.unknown() }).strict(),
  z
    .object({
      kind: z.literal('error'),
      message: z.string().max(maxMessageChars + 1),
      code: z.string().max(100),
      /** A UserError: its message names the fix and is shown as is. */
      user: z.boolean(),
    })
    .strict(),
])
export type WorkerMessage = z.infer<typeof workerMessage>

/** An error as it crosses the thread boundary: errors are not cloned with their class, so it is sent as fields. */
export function errorReply(err: unknown): Extract<WorkerMessage, { kind: 'error' }> {
  const message = errorMessage(err)
  return {
    kind: 'error',
    message: message.length > maxMessageChars ? `${message.slice(0, maxMessageChars)}…` : message,
    code: err instanceof UserError ? err.code.slice(0, 100) : 'internal',
    user: err instanceof UserError,
  }
}

/** The error a reply stands for, a UserError again when it was one. */
export function errorOf(reply: Extract<WorkerMessage, { kind: 'error' }>): Error {
  return reply.user ? new UserError(reply.message, reply.code) : new Error(reply.message)
}
