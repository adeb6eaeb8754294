import { useEffect, useState } from 'react'
import type { SessionDetail as Detail } from '../../shared/contract/sessions'
import type { Session, SessionPatch } from '../../shared/model'
import { api } from '../api'
import { CaptureInspector } from '../components/CaptureInspector'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { EgressPanel } from '../components/EgressPanel'
import { SessionReview } from '../components/SessionReview'
import { TextField } from '../components/FieldError'
import { ErrorState, Loading } from '../components/Status'
import { downloadSessionBundle } from '../bundle-transfer'
import { useRequest } from '../useRequest'

export function SessionDetail({ id, onClose }: { id: number; onClose: () => void }) {
  const [loaded, reload] = useRequest(() => api.getSession({ id }), [id])
  // While another session's details are still shown after a change of URL, this one is loading.
  const detail: typeof loaded =
    loaded.state === 'ready' && loaded.data.session.id !== id ? { state: 'loading' } : loaded
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
      await downloadSessionBundle(id)
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
      <MetaEditor key={s.id} session={s} />
      <EgressPanel sessionId={s.id} />
      <Review session={s} hasCaptures={detail.captureCount > 0} detail={detail} />
    </>
  )
}

/** The session's plots, optionally beside another session's for comparison. */
function Review(props: { session: Session; hasCaptures: boolean; detail: Detail }) {
  const { session, hasCaptures, detail } = props
  const id = session.id
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
        <SessionReview sessionId={id} detail={detail} session={session} />
      ) : (
        <div className="compare">
          <div>
            <h3>Session {id}</h3>
            <SessionReview sessionId={id} detail={detail} compact />
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

type Draft = Record<EditableKey | 'notes' | 'distanceCm', string>

function draftOf(s: Session): Draft {
  return {
    ...(Object.fromEntries(editable.map(([k]) => [k, s[k]])) as Record<EditableKey, string>),
    notes: s.notes,
    distanceCm: s.distanceCm === null ? '' : String(s.distanceCm),
  }
}

function distanceError(text: string): string | null {
  const n = Number(text)
  return text.trim() === '' || (Number.isFinite(n) && n >= 0 && n <= 10_000)
    ? null
    : 'Enter the distance in centimetres, a number from 0 to 10000, or leave it empty.'
}

/** Edits the session's details; saving sends only the fields the user changed, so nothing else is touched. */
function MetaEditor({ session: s }: { session: Session }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(s))
  const [touched, setTouched] = useState<ReadonlySet<keyof Draft>>(new Set())
  const [state, setState] = useState<string | null>(null)
  const distance = distanceError(draft.distanceCm)

  function edit(key: keyof Draft, value: string) {
    setDraft({ ...draft, [key]: value })
    setTouched(new Set(touched).add(key))
    setState(null)
  }

  async function save() {
    if (distance) return
    const patch: SessionPatch = {}
    for (const key of touched) {
      if (key === 'distanceCm')
        patch.distanceCm = draft.distanceCm.trim() === '' ? null : Number(draft.distanceCm)
      else patch[key] = draft[key]
    }
    setState('Saving…')
    try {
      await api.updateSession({ id: s.id, patch })
      setTouched(new Set())
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
          <input value={draft[key]} onChange={(e) => edit(key, e.target.value)} />
        </label>
      ))}
      <TextField
        id="distance"
        label="Speaker–mic distance (cm)"
        inputMode="decimal"
        value={draft.distanceCm}
        onChange={(v) => edit('distanceCm', v)}
        error={distance}
      />
      <label className="wide">
        Notes
        <textarea rows={4} value={draft.notes} onChange={(e) => edit('notes', e.target.value)} />
      </label>
      <div className="row end wide">
        <span role="status">{state}</span>
        <button type="submit" className="primary" disabled={touched.size === 0 || distance !== null}>
          Save details
        </button>
      </div>
    </form>
  )
}
