import { useEffect, useRef, useState } from 'react'
import type { SessionSummary } from '../../shared/model'
import { api } from '../api'
import { Empty, ErrorState, Loading } from '../components/Status'
import { importBundleFile, type ImportOutcome } from '../bundle-transfer'
import { ConfirmDialog } from '../components/ConfirmDialog'
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
  const [duplicate, setDuplicate] = useState<Extract<ImportOutcome, { duplicateOf: unknown }> | null>(null)
  const [deletingFailed, setDeletingFailed] = useState(false)
  const [list, reload] = useRequest(() => api.listSessions({ search }), [search])
  const importInput = useRef<HTMLInputElement>(null)
  useEffect(() => api.onSessionsChanged(() => reload()), [reload])

  async function importFile(file: File) {
    setImportError(null)
    try {
      const r = await importBundleFile(file)
      if ('session' in r) onOpen(r.session.id)
      else setDuplicate(r)
    } catch (err) {
      setImportError((err as Error).message)
    }
  }

  async function decideDuplicate(importIt: boolean) {
    const transferId = duplicate!.transferId
    setDuplicate(null)
    try {
      const { session } = await api.finishImport({ transferId, import: importIt })
      if (session) onOpen(session.id)
    } catch (err) {
      setImportError((err as Error).message)
    }
  }

  const failed = list.state === 'ready' ? list.data.filter((s) => s.status === 'failed') : []

  async function deleteFailed() {
    setDeletingFailed(false)
    try {
      await api.deleteSessions({ ids: failed.map((s) => s.id) })
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
          {failed.length > 0 && (
            <button type="button" className="danger" onClick={() => setDeletingFailed(true)}>
              Delete failed sessions ({failed.length})
            </button>
          )}
          <input
            ref={importInput}
            type="file"
            hidden
            aria-label="Session bundle to import"
            onChange={(e) => {
              const file = e.target.files?.[0]
              // Cleared, so that choosing the same file again is noticed (and asked about).
              e.target.value = ''
              if (file) void importFile(file)
            }}
          />
        </div>
      </header>
      {importError && <ErrorState error={importError} />}
      {duplicate && (
        <ConfirmDialog
          title="Import this bundle again?"
          message={`It was imported before as session ${duplicate.duplicateOf.id} “${duplicate.duplicateOf.name || 'unnamed'}”. Importing it again makes a second copy of the same recording.`}
          confirmLabel="Import a second copy"
          onConfirm={() => void decideDuplicate(true)}
          onCancel={() => void decideDuplicate(false)}
        />
      )}
      {deletingFailed && (
        <ConfirmDialog
          title={`Delete ${failed.length} failed session(s)?`}
          message={`Sessions ${failed.map((s) => s.id).join(', ')} and everything recorded in them are removed for good.`}
          confirmLabel="Delete failed sessions"
          onConfirm={() => void deleteFailed()}
          onCancel={() => setDeletingFailed(false)}
        />
      )}
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
