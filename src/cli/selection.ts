import { UserError } from '../core/errors'
import type { CompareSelection } from '../shared/contract/compare'
import { positiveInt } from './action'

/** The sessions a command is given, exactly one way: ids as arguments, --plan ID or --search TEXT. */
export function sessionSelection(ids: string[], opts: { plan?: string; search?: string }): CompareSelection {
  const chosen = [ids.length > 0, opts.plan !== undefined, opts.search !== undefined].filter(Boolean)
  if (chosen.length !== 1)
    throw new UserError('choose the sessions one way: session ids, --plan ID or --search TEXT')
  if (opts.plan !== undefined) return { planId: positiveInt('--plan')(opts.plan) }
  if (opts.search !== undefined) return { search: opts.search }
  return { sessionIds: ids.map(positiveInt('session id')) }
}
