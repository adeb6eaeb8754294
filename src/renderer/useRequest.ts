import { useCallback, useEffect, useState } from 'react'

export type Loadable<T> = { state: 'loading' } | { state: 'error'; error: string } | { state: 'ready'; data: T }

/** Runs an API call, re-running when `deps` change or `reload()` is called; keeps the last data while reloading. */
export function useRequest<T>(fn: () => Promise<T>, deps: unknown[]): [Loadable<T>, () => void] {
  const [result, setResult] = useState<Loadable<T>>({ state: 'loading' })
  const [tick, setTick] = useState(0)
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const call = useCallback(fn, deps)
  useEffect(() => {
    let live = true
    call().then(
      (data) => live && setResult({ state: 'ready', data }),
      (err: unknown) => live && setResult({ state: 'error', error: err instanceof Error ? err.message : String(err) }),
    )
    return () => {
      live = false
    }
  }, [call, tick])
  return [result, () => setTick((t) => t + 1)]
}
