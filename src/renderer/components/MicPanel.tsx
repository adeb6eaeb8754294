import { useState } from 'react'
import type { MicStatus } from '../../shared/contract/audio'
import { api } from '../api'
import { ErrorState, Loading } from './Status'
import { useRequest } from '../useRequest'

/** The virtual microphone episodes are played into: its state, and how to get one when there is none. */
export function MicPanel() {
  const [status, reload] = useRequest(() => api.micStatus({}), [])
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function change(fn: () => Promise<unknown>) {
    setBusy(true)
    setError(null)
    try {
      await fn()
      reload()
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="card" aria-label="Virtual microphone">
      <h2>Virtual microphone</h2>
      {status.state === 'loading' && <Loading what="the microphone" />}
      {status.state === 'error' && <ErrorState error={status.error} onRetry={reload} />}
      {status.state === 'ready' && <MicState mic={status.data} />}
      {error && <ErrorState error={error} />}
      <div className="row">
        <button type="button" disabled={busy} onClick={() => void change(() => api.micSetup({}))}>
          Set up
        </button>
        <button type="button" disabled={busy} onClick={() => void change(() => api.micTeardown({}))}>
          Remove
        </button>
        <button type="button" disabled={busy} onClick={reload}>
          Check again
        </button>
      </div>
    </div>
  )
}

function MicState({ mic }: { mic: MicStatus }) {
  if (!mic.ready) {
    return (
      <p role="status">
        <span className="badge failed">not ready</span> {mic.install}
      </p>
    )
  }
  return (
    <p role="status">
      <span className="badge completed">ready</span> MuteScope plays into <code>{mic.outputDevice}</code>;
      select <strong>{mic.inputDevice}</strong> as the microphone in the app you audit
      {mic.server ? ` (${mic.server})` : ''}.
    </p>
  )
}
