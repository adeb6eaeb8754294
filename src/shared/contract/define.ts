import { z } from 'zod'

/** One request the UI can make: its payload and its result, validated on both sides of every transport. */
export interface RequestDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I
  output: O
  summary: string
}

export function request<I extends z.ZodType, O extends z.ZodType>(
  summary: string,
  input: I,
  output: O,
): RequestDef<I, O> {
  return { input, output, summary }
}

/** A file on the computer the core runs on, by its path. */
export const filePath = z.string().min(1).max(4096)

/**
 * The largest request a transport accepts (web mode's WebSocket message limit). Requests that carry files
 * (session bundles) send them in chunks; those that carry bytes to decode stay below it.
 */
export const maxRequestBytes = 16 * 1024 * 1024

/** The envelope every transport carries back, so errors arrive as plain messages, not transport noise. */
export type Reply<T = unknown> =
  { ok: true; result: T } | { ok: false; error: { message: string; code: string } }
