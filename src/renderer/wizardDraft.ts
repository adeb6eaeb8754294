import { useCallback, useEffect, useRef } from 'react'
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

/**
 * Fills a draft field from a default the server sends (`load` gives the update), unless the researcher has
 * entered the field by then: a default arriving mid-edit would be merged into what is being typed. Returns the
 * field's onFocus.
 */
export function useLateDefault<T>(
  set: (update: (old: T) => T) => void,
  load: () => Promise<(old: T) => T>,
): () => void {
  const entered = useRef(false)
  const first = useRef(load)
  useEffect(() => {
    void first.current().then((update) => entered.current || set(update))
  }, [set])
  return useCallback(() => (entered.current = true), [])
}
