import { z } from 'zod'
import { requests, type Reply } from '../../shared/contract'
import { UserError } from '../errors'
import type { Handlers } from './handlers'

function fail(message: string, code: string): Reply {
  return { ok: false, error: { message, code } }
}

/**
 * The single entry point both transports call: checks the method exists, validates the payload against
 * the contract, runs the handler and validates its result. Never throws; failures come back as a Reply.
 */
export function createDispatcher(handlers: Handlers) {
  return async function dispatch(method: string, payload: unknown): Promise<Reply> {
    if (!Object.hasOwn(requests, method)) return fail(`unknown method "${method}"`, 'unknown_method')
    const def = requests[method as keyof typeof requests]
    const input = def.input.safeParse(payload ?? {})
    if (!input.success) {
      return fail(`invalid payload for ${method}: ${z.prettifyError(input.error)}`, 'invalid_payload')
    }
    try {
      const handler = handlers[method as keyof Handlers] as (i: unknown) => unknown
      const result = def.output.parse(await handler(input.data))
      return { ok: true, result }
    } catch (err) {
      if (err instanceof UserError) return fail(err.message, err.code)
      return fail(`${method} failed: ${err instanceof Error ? err.message : String(err)}`, 'internal')
    }
  }
}

export type Dispatch = ReturnType<typeof createDispatcher>
