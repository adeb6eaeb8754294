import { useEffect, useState } from 'react'
import type { SessionDetail as Detail } from '../../shared/contract/sessions'
import type { TelemetryRecord } from '../../shared/model'
import { api } from '../api'
import { CaptureInspector } from '../components/CaptureInspector'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { SessionReview } from '../components/SessionReview'
import { ErrorState, Loading } from '../components/Status'
import { base64ToBytes, downloadBytes } from '../download'
import { useRequest } from '../useRequest'

export function SessionDetail({ id, onClose }: { id: number; onClose: () => void }) {
  const [detail, reload] = useRequest(() => api.getSession({ id }), [id])
  const [confirming, setConfirming] = useState(false)
  const [error, setError] = useState<string | null>(null)
  useEffect(
    () => api.onSessionsChanged((e) => e.id === id && e.change !== 'deleted' && reload()),
    [id, reload],
  )

  async function remove() {
    setConfirming(false)
    try {
      await api.deleteSession({ id })
      onClose()
    } catch (err) {
      setError((err as Error).message)
    }
  }

  async function exportBundle() {
    try {
      const { fileName, base64 } = await api.exportSession({ id })
      downloadBytes(fileName, base64ToBytes(base64), 'application/gzip')
    } catch (err) {
      setError((err as Error).message)
    }
  }

  return (
    <section aria-labelledby="session-title">
      <header className="page-header">
        <button type="button" onClick={onClose} aria-label="Back to sessions">
          ← Sessions
        </button>
        <h1 id="session-title">
          {detail.state === 'ready' ? detail.data.session.name || `Session ${id}` : `Session ${id}`}
        </h1>
        <div className="row">
          <button type="button" onClick={() => void exportBundle()}>
            Export bundle
          </button>
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Delete
          </button>
        </div>
      </header>
      {error && <ErrorState error={error} />}
      {detail.state === 'loading' && <Loading what="the session" />}
      {detail.state === 'error' && <ErrorState error={detail.error} onRetry={reload} />}
      {detail.state === 'ready' && <Overview detail={detail.data} />}
      {confirming && (
        <ConfirmDialog
          title="Delete this session?"
          message="Its telemetry, captures, levels and events are removed for good. Export a bundle first to keep a copy."
          confirmLabel="Delete session"
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </section>
  )
}

function Overview({ detail }: { detail: Detail }) {
  const s = detail.session
  return (
    <>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`badge ${s.status}`}>{s.status}</span> {s.statusReason}
        </dd>
        <dt>Started</dt>
        <dd>{new Date(s.startedAt).toLocaleString()}</dd>
        <dt>Ended</dt>
        <dd>{s.endedAt ? new Date(s.endedAt).toLocaleString() : '—'}</dd>
        <dt>Records</dt>
        <dd>
          {detail.telemetry.length} telemetry · {detail.levelWindows.length} level windows ·{' '}
          {detail.captureCount} captures
        </dd>
        <dt>Episodes</dt>
        <dd>{s.episodes.join(', ') || '—'}</dd>
      </dl>
      <MetaEditor detail={detail} />
      <Review id={s.id} hasCaptures={detail.captureCount > 0} telemetry={detail.telemetry} />
    </>
  )
}

/** The session's plots, optionally beside another session's for comparison. */
function Review(props: { id: number; hasCaptures: boolean; telemetry: TelemetryRecord[] }) {
  const { id, hasCaptures, telemetry } = props
  const [other, setOther] = useState<number | null>(null)
  // Listed only when the user goes to compare, so that opening a session costs one query less.
  const [wantList, setWantList] = useState(false)
  const [list] = useRequest(
    () => (wantList ? api.listSessions({ search: '' }) : Promise.resolve([])),
    [wantList],
  )
  return (
    <section aria-label="Review">
      <div className="row">
        <h2>Gains against played level</h2>
        <label className="inline">
          Compare with
          <select
            value={other ?? ''}
            onFocus={() => setWantList(true)}
            onMouseDown={() => setWantList(true)}
            onChange={(e) => setOther(e.target.value ? Number(e.target.value) : null)}
          >
            <option value="">(none)</option>
            {list.state === 'ready' &&
              list.data
                .filter((x) => x.id !== id)
                .map((x) => (
                  <option key={x.id} value={x.id}>
                    #{x.id} {x.name || x.targetApp}
                  </option>
                ))}
          </select>
        </label>
      </div>
      {other === null ? (
        <SessionReview sessionId={id} telemetry={telemetry} />
      ) : (
        <div className="compare">
          <div>
            <h3>Session {id}</h3>
            <SessionReview sessionId={id} telemetry={telemetry} compact />
          </div>
          <div>
            <h3>Session {other}</h3>
            <SessionReview sessionId={other} compact />
          </div>
        </div>
      )}
      {hasCaptures && <CaptureInspector sessionId={id} />}
    </section>
  )
}

const editable = [
  ['name', 'Name'],
  ['targetApp', 'App'],
  ['appVersion', 'App version'],
  ['os', 'OS'],
  ['micMode', 'Microphone mode'],
  ['microphone', 'Microphone'],
  ['activity', 'Activity label'],
] as const
type EditableKey = (typeof editable)[number][0]

function MetaEditor({ detail }: { detail: Detail }) {
  const s = detail.session
  const [draft, setDraft] = useState<Record<EditableKey | 'notes' | 'distanceCm', string>>(() => ({
    ...(Object.fromEntries(editable.map(([k]) => [k, s[k]])) as Record<EditableKey, string>),
    notes: s.notes,
    distanceCm: s.distanceCm === null ? '' : String(s.distanceCm),
  }))
  const [state, setState] = useState<string | null>(null)

  async function save() {
    setState('Saving…')
    try {
      const distance = draft.distanceCm.trim() === '' ? null : Number(draft.distanceCm)
      if (distance !== null && !(distance >= 0)) throw new Error('Distance must be a number of centimetres')
      const { distanceCm: _d, ...text } = draft
      await api.updateSession({ id: s.id, patch: { ...text, distanceCm: distance } })
      setState('Saved')
    } catch (err) {
      setState((err as Error).message)
    }
  }

  return (
    <form
      className="card grid"
      aria-label="Session details"
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      {editable.map(([key, label]) => (
        <label key={key}>
          {label}
          <input value={draft[key]} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
        </label>
      ))}
      <label>
        Speaker–mic distance (cm)
        <input
          inputMode="decimal"
          value={draft.distanceCm}
          onChange={(e) => setDraft({ ...draft, distanceCm: e.target.value })}
        />
      </label>
      <label className="wide">
        Notes
        <textarea
          rows={4}
          value={draft.notes}
          onChange={(e) => setDraft({ ...draft, notes: e.target.value })}
        />
      </label>
      <div className="row end wide">
        <span role="status">{state}</span>
        <button type="submit" className="primary">
          Save details
        </button>
      </div>
    </form>
  )
}
