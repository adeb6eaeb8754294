import { useCallback, useEffect, useState } from 'react'

export type Loadable<T> =
  { state: 'loading' } | { state: 'error'; error: string } | { state: 'ready'; data: T }

/** Runs an API call, re-running when `deps` change or `reload()` is called; keeps the last data while reloading. */
export function useRequest<T>(fn: () => Promise<T>, deps: readonly unknown[]): [Loadable<T>, () => void] {
  const [result, setResult] = useState<Loadable<T>>({ state: 'loading' })
  const [tick, setTick] = useState(0)
  const key = JSON.stringify(deps)
  useEffect(() => {
    let live = true
    fn().then(
      (data) => live && setResult({ state: 'ready', data }),
      (err: unknown) =>
        live && setResult({ state: 'error', error: err instanceof Error ? err.message : String(err) }),
    )
    return () => {
      live = false
    }
    // `fn` is a fresh closure each render; `key` says when its inputs really changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  return [result, reload]
}
