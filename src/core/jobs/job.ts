import type { z } from 'zod'

/** What a running job reaches besides its input: a way to report progress, and the signal that cancels it. */
export interface JobContext<P> {
  progress(p: P): void
  signal: AbortSignal
}

/**
 * A named piece of heavy work that can run on a worker thread: everything it needs comes in its input (paths,
 * not open handles: a worker opens its own database connection), and its input, progress and output are zod
 * schemas, because they cross a thread boundary.
 */
export interface JobDef<
  I extends z.ZodType = z.ZodType,
  P extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
> {
  input: I
  progress: P
  output: O
  run(input: z.output<I>, ctx: JobContext<z.input<P>>): Promise<z.input<O>>
}

export function defineJob<I extends z.ZodType, P extends z.ZodType, O extends z.ZodType>(
  def: JobDef<I, P, O>,
): JobDef<I, P, O> {
  return def
}
