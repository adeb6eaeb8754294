import { useState, type FormEvent } from 'react'
import { api } from '../api'
import { ErrorState } from '../components/Status'

/** Records a session by hand: metadata for an experiment run outside MuteScope, to compare with later. */
export function NewSessionForm({
  onCreated,
  onCancel,
}: {
  onCreated: (id: number) => void
  onCancel: () => void
}) {
  const [name, setName] = useState('')
  const [targetApp, setTargetApp] = useState('')
  const [activity, setActivity] = useState('')
  const [notes, setNotes] = useState('')
  const [error, setError] = useState<string | null>(null)

  async function submit(e: FormEvent) {
    e.preventDefault()
    try {
      const s = await api.createSession({ name, targetApp, activity, notes })
      await api.finishSession({ id: s.id })
      onCreated(s.id)
    } catch (err) {
      setError((err as Error).message)
    }
  }

  return (
    <form className="card" onSubmit={submit} aria-label="New session">
      <label>
        Name <input value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
      </label>
      <label>
        App{' '}
        <input
          value={targetApp}
          onChange={(e) => setTargetApp(e.target.value)}
          placeholder="e.g. Webex 41.12"
        />
      </label>
      <label>
        Activity label <input value={activity} onChange={(e) => setActivity(e.target.value)} />
      </label>
      <label>
        Notes <textarea value={notes} onChange={(e) => setNotes(e.target.value)} rows={3} />
      </label>
      {error && <ErrorState error={error} />}
      <div className="row end">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary">
          Create
        </button>
      </div>
    </form>
  )
}
