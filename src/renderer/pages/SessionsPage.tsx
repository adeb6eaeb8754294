import { useEffect, useRef, useState } from 'react'
import type { SessionSummary } from '../../shared/model'
import { api } from '../api'
import { Empty, ErrorState, Loading } from '../components/Status'
import { fileToBase64 } from '../download'
import { useNav } from '../nav'
import { useRequest } from '../useRequest'
import { NewSessionForm } from './NewSessionForm'
import { SessionDetail } from './SessionDetail'

function when(t: number): string {
  return new Date(t).toLocaleString()
}

export function SessionsPage() {
  const { sessionId, go } = useNav()
  if (sessionId) return <SessionDetail id={sessionId} onClose={() => go('sessions')} />
  return <SessionList onOpen={(id) => go('sessions', id)} />
}

function SessionList({ onOpen }: { onOpen: (id: number) => void }) {
  const [search, setSearch] = useState('')
  const [creating, setCreating] = useState(false)
  const [importError, setImportError] = useState<string | null>(null)
  const [list, reload] = useRequest(() => api.listSessions({ search }), [search])
  const importInput = useRef<HTMLInputElement>(null)
  useEffect(() => api.onSessionsChanged(() => reload()), [reload])

  async function importFile(file: File) {
    setImportError(null)
    try {
      const s = await api.importSession({ base64: await fileToBase64(file) })
      onOpen(s.id)
    } catch (err) {
      setImportError((err as Error).message)
    }
  }

  return (
    <section aria-labelledby="sessions-title">
      <header className="page-header">
        <h1 id="sessions-title">Sessions</h1>
        <div className="row">
          <input
            type="search"
            aria-label="Search sessions"
            placeholder="Search name, app, label, notes…"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <button type="button" onClick={() => setCreating(true)}>
            New session
          </button>
          <button type="button" onClick={() => importInput.current?.click()}>
            Import…
          </button>
          <input
            ref={importInput}
            type="file"
            hidden
            aria-label="Session bundle to import"
            onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])}
          />
        </div>
      </header>
      {importError && <ErrorState error={importError} />}
      {creating && (
        <NewSessionForm
          onCancel={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false)
            onOpen(id)
          }}
        />
      )}
      {list.state === 'loading' && <Loading what="sessions" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={reload} />}
      {list.state === 'ready' && list.data.length === 0 && (
        <Empty>
          {search ? (
            <p>No session matches “{search}”.</p>
          ) : (
            <p>No sessions yet. Run an experiment, or record one by hand with New session.</p>
          )}
        </Empty>
      )}
      {list.state === 'ready' && list.data.length > 0 && (
        <SessionTable sessions={list.data} onOpen={onOpen} />
      )}
    </section>
  )
}

function SessionTable({ sessions, onOpen }: { sessions: SessionSummary[]; onOpen: (id: number) => void }) {
  return (
    <table className="sessions">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Name</th>
          <th scope="col">App</th>
          <th scope="col">Label</th>
          <th scope="col">Status</th>
          <th scope="col">Started</th>
          <th scope="col">Records</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <tr key={s.id}>
            <td>{s.id}</td>
            <td>
              <button type="button" className="link" onClick={() => onOpen(s.id)}>
                {s.name || `Session ${s.id}`}
              </button>
            </td>
            <td>{s.targetApp}</td>
            <td>{s.activity}</td>
            <td>
              <span className={`badge ${s.status}`}>{s.status}</span>
            </td>
            <td>{when(s.startedAt)}</td>
            <td>{s.telemetryCount}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
