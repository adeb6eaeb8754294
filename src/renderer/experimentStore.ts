import { create } from 'zustand'
import type { ExperimentEvent, ExperimentState } from '../shared/contract/experiment'
import { api } from './api'

export interface LogLine {
  t: number
  level: 'info' | 'warning' | 'error'
  message: string
}

interface LiveState {
  state: ExperimentState | null
  /** Bumped whenever the running session gains rows or a device is lost or back, so its plots refresh. */
  revision: number
  /** Bumped when mic-access seconds arrive (at most once a second) or the app is muted or unmuted. */
  micRevision: number
  log: LogLine[]
  /** Captures per second over the last few seconds. */
  captureRate: number
  refresh(): Promise<void>
}

let lastCount = 0
let lastAt = 0
/** Seconds of several processes and APIs arrive together: one refresh of the lane for all of them. */
let micTimer: ReturnType<typeof setTimeout> | null = null
const micRefreshMs = 1000

/** The log is kept in the tab's session storage, so that reloading the window does not empty it. */
const logKey = 'mutescope.experiment-log'

function keptLog(): LogLine[] {
  try {
    const lines: unknown = JSON.parse(sessionStorage.getItem(logKey) ?? '[]')
    return Array.isArray(lines) ? (lines as LogLine[]) : []
  } catch {
    return []
  }
}

function keepLog(log: LogLine[]): void {
  try {
    sessionStorage.setItem(logKey, JSON.stringify(log))
  } catch {
    // Storage full or disabled: the log still shows, it just will not outlive a reload.
  }
}

/** The experiment as the UI sees it: the server's state plus the live event stream. */
export const useExperiment = create<LiveState>((set, get) => {
  api.onExperimentEvent((e: ExperimentEvent) => {
    if (e.type === 'state') {
      const now = Date.now()
      const dt = (now - lastAt) / 1000
      const rate =
        dt > 0.5 && lastAt > 0 ? Math.max(0, (e.state.captures - lastCount) / dt) : get().captureRate
      if (dt > 0.5) {
        lastCount = e.state.captures
        lastAt = now
      }
      const mutedChanged = e.state.muted !== get().state?.muted
      set({ state: e.state, captureRate: rate })
      if (mutedChanged) set({ micRevision: get().micRevision + 1 })
    } else if (e.type === 'log') {
      const log = [...get().log.slice(-199), { t: e.t, level: e.level, message: e.message }]
      set({ log })
      keepLog(log)
    } else if (e.type === 'telemetry' || e.type === 'window' || e.type === 'device') {
      set({ revision: get().revision + 1 })
    } else if (e.type === 'micAccess') {
      micTimer ??= setTimeout(() => {
        micTimer = null
        set({ micRevision: get().micRevision + 1 })
      }, micRefreshMs)
    }
  })
  return {
    state: null,
    revision: 0,
    micRevision: 0,
    log: keptLog(),
    captureRate: 0,
    async refresh() {
      set({ state: await api.experimentState({}) })
    },
  }
})
