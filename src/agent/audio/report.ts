import type { MicAccessMessage, MicSecond } from '../protocol'
import type { Level } from './samples'

/**
 * Aggregates the app's microphone reads per second and API inside the agent, so that an app reading every
 * few milliseconds costs one small message a second, not one per call. A second in which an API has a
 * capture stream open but read nothing is reported with zero reads: an app that holds the microphone without
 * reading it is shown, not left out.
 */

/** Every second before this one (ms, agent clock) has been sent. */
let sentUpTo = 0
const open = new Map<string, { api: string; since: number }>()
const bySecond = new Map<number, Map<string, MicSecond>>()
let timer: ReturnType<typeof setInterval> | null = null
/** Seconds per message at most (a starved agent catching up sends several). */
const maxPerMessage = 1000

const secondOf = (t: number): number => t - (t % 1000)

/** A capture stream was opened (or first seen reading); `key` names the handle, `api` the call that reads it. */
export function streamOpened(key: string, api: string): void {
  const known = open.get(key)
  open.set(key, { api, since: known?.since ?? Math.max(secondOf(Date.now()), sentUpTo) })
}

export function streamClosed(key: string): void {
  open.delete(key)
}

/** One call that delivered audio on the stream `key`; level null when its sample format is not known. */
export function countRead(
  key: string,
  api: string,
  frames: number,
  bytes: number,
  level: Level | null,
): void {
  if (open.get(key)?.api !== api) streamOpened(key, api)
  const t = Math.max(secondOf(Date.now()), sentUpTo)
  let apis = bySecond.get(t)
  if (!apis) bySecond.set(t, (apis = new Map()))
  let s = apis.get(api)
  if (!s) {
    s = { t, api, reads: 0, frames: 0, bytes: 0, samples: 0, sumSquares: 0, peak: 0 }
    apis.set(api, s)
  }
  s.reads++
  s.frames += frames
  s.bytes += bytes
  if (level) {
    s.samples += level.samples
    s.sumSquares += level.sumSquares
    s.peak = Math.max(s.peak, level.peak)
  }
}

/** Sends the seconds that have ended; `partial`: also the current one (the agent is being unloaded). */
export function flushSeconds(partial = false): void {
  if (timer === null) return
  const now = Date.now()
  const upTo = partial ? secondOf(now) + 1000 : secondOf(now)
  const out: MicSecond[] = []
  for (let t = sentUpTo; t < upTo; t += 1000) {
    const apis = bySecond.get(t) ?? new Map<string, MicSecond>()
    bySecond.delete(t)
    for (const s of open.values())
      if (s.since <= t && !apis.has(s.api))
        apis.set(s.api, { t, api: s.api, reads: 0, frames: 0, bytes: 0, samples: 0, sumSquares: 0, peak: 0 })
    out.push(...apis.values())
  }
  sentUpTo = Math.max(sentUpTo, upTo)
  for (let i = 0; i < out.length; i += maxPerMessage) {
    const msg: MicAccessMessage = { type: 'mic-access', seconds: out.slice(i, i + maxPerMessage) }
    send(msg)
  }
}

/** Starts (or, with false, stops) reporting, from the current second on (its first part not watched). */
export function startReporting(on: boolean): void {
  if (timer !== null) clearInterval(timer)
  timer = null
  bySecond.clear()
  if (!on) return
  sentUpTo = secondOf(Date.now())
  timer = setInterval(flushSeconds, 250)
}
