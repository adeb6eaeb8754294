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
  /** Bumped whenever the running session gains rows, so its plots refresh. */
  revision: number
  log: LogLine[]
  /** Captures per second over the last few seconds. */
  captureRate: number
  refresh(): Promise<void>
}

let lastCount = 0
let lastAt = 0

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
      set({ state: e.state, captureRate: rate })
    } else if (e.type === 'log') {
      set({ log: [...get().log.slice(-199), { t: e.t, level: e.level, message: e.message }] })
    } else if (e.type === 'telemetry' || e.type === 'window') {
      set({ revision: get().revision + 1 })
    }
  })
  return {
    state: null,
    revision: 0,
    log: [],
    captureRate: 0,
    async refresh() {
      set({ state: await api.experimentState({}) })
    },
  }
})
