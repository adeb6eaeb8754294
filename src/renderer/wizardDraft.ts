import { useCallback, useRef } from 'react'
import { create } from 'zustand'
import type { ExperimentPlanInput } from '../shared/contract/experiment'

interface Draft {
  /** What the wizard's fields hold, by field. */
  values: Record<string, unknown>
  /** The plan last started from the Experiment page, for "Run again". */
  lastPlan: ExperimentPlanInput | null
}

/** The experiment wizard's draft, kept while MuteScope is open: a run, or a visit to another page, clears nothing. */
export const useWizardDraft = create<Draft>(() => ({ values: {}, lastPlan: null }))

/** useState whose value lives in the wizard's draft rather than in the component. */
export function useDraft<T>(key: string, initial: T): [T, (value: T | ((old: T) => T)) => void] {
  const first = useRef(initial)
  const value = useWizardDraft((s) => (key in s.values ? (s.values[key] as T) : first.current))
  const set = useCallback(
    (next: T | ((old: T) => T)) =>
      useWizardDraft.setState((s) => {
        const old = key in s.values ? (s.values[key] as T) : first.current
        const v = typeof next === 'function' ? (next as (old: T) => T)(old) : next
        return { values: { ...s.values, [key]: v } }
      }),
    [key],
  )
  return [value, set]
}
