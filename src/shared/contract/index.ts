import type { z } from 'zod'
import { analysisRequests } from './analysis'
import { audioRequests } from './audio'
import { captureRequests } from './capture'
import { classifyEvents, classifyRequests } from './classify'
import type { RequestDef } from './define'
import { devicesRequests } from './devices'
import { egressRequests } from './egress'
import { episodesRequests } from './episodes'
import { figureRequests } from './figures'
import { compareRequests } from './compare'
import { experimentEvents, experimentRequests } from './experiment'
import { jobsEvents } from './jobs'
import { micReviewRequests } from './mic-review'
import { plansEvents, plansRequests } from './plans'
import { sessionsEvents, sessionsRequests } from './sessions'
import { settingsRequests } from './settings'
import { systemRequests } from './system'
import { telemetryRequests } from './telemetry'

export type { Reply, RequestDef } from './define'

/** Every request of the API. Both transports (Electron IPC, web-mode WebSocket) are derived from this. */
export const requests = {
  ...systemRequests,
  ...sessionsRequests,
  ...experimentRequests,
  ...analysisRequests,
  ...classifyRequests,
  ...captureRequests,
  ...telemetryRequests,
  ...audioRequests,
  ...plansRequests,
  ...compareRequests,
  ...egressRequests,
  ...figureRequests,
  ...settingsRequests,
  ...episodesRequests,
  ...devicesRequests,
  ...micReviewRequests,
} satisfies Record<string, RequestDef>

/** Every event stream the UI can subscribe to. */
export const events = {
  ...sessionsEvents,
  ...experimentEvents,
  ...plansEvents,
  ...classifyEvents,
  ...jobsEvents,
} satisfies Record<string, z.ZodType>

export type Requests = typeof requests
export type RequestName = keyof Requests
export type Events = typeof events
export type EventName = keyof Events
export type Input<K extends RequestName> = z.input<Requests[K]['input']>
export type Output<K extends RequestName> = z.output<Requests[K]['output']>
export type EventPayload<K extends EventName> = z.output<Events[K]>

export type SubscribeName<K extends string> = `on${Capitalize<K>}`
export function subscribeName<K extends string>(event: K): SubscribeName<K> {
  return `on${event[0].toUpperCase()}${event.slice(1)}` as SubscribeName<K>
}

/** What the renderer sees as `window.mutescope`: one method per request, one subscribe per event stream. */
export type MuteScopeApi = { [K in RequestName]: (input: Input<K>) => Promise<Output<K>> } & {
  [K in EventName as SubscribeName<K>]: (listener: (payload: EventPayload<K>) => void) => () => void
}

export const requestNames = Object.keys(requests) as RequestName[]
export const eventNames = Object.keys(events) as EventName[]

/** IPC channel names, shared by main and preload. */
export const ipcChannel = (name: RequestName): string => `mutescope:${name}`
export const ipcEventChannel = (name: EventName): string => `mutescope:event:${name}`
