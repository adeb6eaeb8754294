import type { z } from 'zod'
import type { RequestDef, Requests } from '../../shared/contract'
import { analysisHandlers } from './analysis'
import { audioHandlers } from './audio'
import { captureHandlers } from './capture'
import { classifyHandlers } from './classify'
import type { AppContext } from './context'
import { devicesHandlers } from './devices'
import { egressHandlers } from './egress'
import { episodesHandlers } from './episodes'
import { figureHandlers } from './figures'
import { compareHandlers } from './compare'
import { experimentHandlers } from './experiment'
import { micReviewHandlers } from './mic-review'
import { plansHandlers } from './plans'
import { sessionsHandlers } from './sessions'
import { settingsHandlers } from './settings'
import { systemHandlers } from './system'
import { telemetryHandlers } from './telemetry'

type Handler<D extends RequestDef> = (
  input: z.output<D['input']>,
) => z.input<D['output']> | Promise<z.input<D['output']>>

/** Handlers for one area's requests. */
export type HandlerGroup<G extends Record<string, RequestDef>> = { [K in keyof G]: Handler<G[K]> }

/** One handler per contract request; the type checker fails when one is missing. */
export type Handlers = HandlerGroup<Requests>

export function createHandlers(ctx: AppContext): Handlers {
  return {
    ...systemHandlers(ctx),
    ...sessionsHandlers(ctx),
    ...experimentHandlers(ctx),
    ...analysisHandlers(ctx),
    ...classifyHandlers(ctx),
    ...captureHandlers(),
    ...telemetryHandlers(ctx),
    ...audioHandlers(),
    ...plansHandlers(ctx),
    ...compareHandlers(ctx),
    ...egressHandlers(ctx),
    ...figureHandlers(ctx),
    ...settingsHandlers(ctx),
    ...episodesHandlers(),
    ...devicesHandlers(ctx),
    ...micReviewHandlers(ctx),
  }
}
