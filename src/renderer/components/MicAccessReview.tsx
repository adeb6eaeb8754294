import { useState } from 'react'
import type { MicReview } from '../../shared/contract/mic-review'
import type { MuteInterval, Session } from '../../shared/model'
import { api } from '../api'
import { downloadBytes } from '../download'
import { clock, db } from './charts/format'
import { streamLabel } from './charts/MicAccessLane'

interface Props {
  sessionId: number
  review: MicReview
  /** The session, when its muted intervals may be edited (review); absent in the live view. */
  session?: Pick<Session, 'startedAt' | 'endedAt' | 'status'>
  onSaved: () => void
}

const seconds = (t: number, from: number) => ((t - from) / 1000).toFixed(1)

/** The muted intervals in words: "12:00:05–12:00:15 (10 s), 12:01:00–now". */
export function MutedList({ intervals }: { intervals: readonly MuteInterval[] }) {
  if (intervals.length === 0) return null
  return (
    <p className="muted" aria-label="Muted intervals">
      Muted:{' '}
      {intervals
        .map((i) =>
          i.end === null
            ? `${clock(i.start)}–now`
            : `${clock(i.start)}–${clock(i.end)} (${Math.round((i.end - i.start) / 1000)} s)`,
        )
        .join(', ')}
    </p>
  )
}

/**
 * What the app took in from the microphone: for the muted intervals, per process and API, the sentence
 * "the app read N s of audio from the microphone (X reads/s), RMS −Y dBFS"; the correlation of the RMS it
 * read with the played LAeq per interval; the lane's export; and in review, the muted intervals to edit.
 */
export function MicAccessReview({ sessionId, review, session, onSaved }: Props) {
  const [error, setError] = useState<string | null>(null)
  // Kept here, not in the editor: a save reloads the intervals, which remounts the editor with them, and its
  // "Saved" must outlive that.
  const [editStatus, setEditStatus] = useState<{ sessionId: number; text: string } | null>(null)

  async function exportAs(format: 'csv' | 'json') {
    try {
      const file = await api.exportMicAccess({ id: sessionId, format })
      downloadBytes(file.fileName, file.data, file.mimeType)
    } catch (err) {
      setError((err as Error).message)
    }
  }

  return (
    <section className="card" aria-label="Microphone access">
      <h2>Microphone access</h2>
      {review.total === 0 && (
        <p className="muted">
          No mic-access seconds recorded in this session (record with the mic-access lane on to see what the
          app reads from the microphone).
        </p>
      )}
      {review.intervals.length === 0 ? (
        <p className="muted">No muted interval is marked{session ? ': add one below.' : '.'}</p>
      ) : (
        <ul aria-label="What the app read while muted">
          {review.muted.map((m) => (
            <li key={`${m.pid}-${m.api}`}>{m.sentence}</li>
          ))}
        </ul>
      )}
      {review.correlation ? (
        <table className="mic-stats" aria-label="App-read RMS against played LAeq">
          <caption className="muted">
            RMS of what the app read against the played LAeq, per {review.correlation.intervalS} s interval
            from playback start (the link from played audio to audio the app took in).
          </caption>
          <thead>
            <tr>
              <th scope="col">Process · API</th>
              <th scope="col">n</th>
              <th scope="col">Pearson r</th>
              <th scope="col">95% CI</th>
              <th scope="col">p</th>
            </tr>
          </thead>
          <tbody>
            {review.correlation.streams.map((s) => (
              <tr key={`${s.pid}-${s.api}`}>
                <td>{streamLabel(s)}</td>
                <td>{s.pearson?.n ?? s.pairs.length}</td>
                <td>{db(s.pearson?.r, 3)}</td>
                <td>{s.pearson?.ci ? `[${db(s.pearson.ci[0], 3)}, ${db(s.pearson.ci[1], 3)}]` : '–'}</td>
                <td>{s.pearson?.p == null ? '–' : s.pearson.p.toExponential(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        review.total > 0 && (
          <p className="muted">No correlation with the played level: {review.correlationError}</p>
        )
      )}
      {session && (
        <IntervalEditor
          key={JSON.stringify(review.intervals)}
          sessionId={sessionId}
          session={session}
          intervals={review.intervals}
          onSaved={onSaved}
          status={editStatus?.sessionId === sessionId ? editStatus.text : null}
          setStatus={(text) => setEditStatus(text === null ? null : { sessionId, text })}
        />
      )}
      {review.total > 0 && (
        <div className="row">
          <span className="muted">Export the mic-access lane:</span>
          <button type="button" onClick={() => void exportAs('csv')}>
            Mic-access CSV
          </button>
          <button type="button" onClick={() => void exportAs('json')}>
            Mic-access JSON
          </button>
        </div>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

interface Row {
  start: string
  end: string
  /** The stored interval the row shows: a time left as it was shown keeps its milliseconds. */
  stored?: MuteInterval
}

/** The muted intervals as seconds from the session's start, to add, remove or adjust, saved together. */
function IntervalEditor(props: {
  sessionId: number
  session: Pick<Session, 'startedAt' | 'endedAt' | 'status'>
  intervals: readonly MuteInterval[]
  onSaved: () => void
  status: string | null
  setStatus: (text: string | null) => void
}) {
  const { sessionId, session, intervals, onSaved, status, setStatus } = props
  const from = session.startedAt
  const shown = (t: number | null) => (t === null ? '' : seconds(t, from))
  const [rows, setRows] = useState<Row[]>(() =>
    intervals.map((i) => ({ start: shown(i.start), end: shown(i.end), stored: i })),
  )
  // A running session's length as of when the editor opened.
  const [openedAt] = useState(() => Date.now())
  const lengthS = ((session.endedAt ?? openedAt) - from) / 1000

  function edit(k: number, change: Partial<Row>) {
    setRows(rows.map((r, i) => (i === k ? { ...r, ...change } : r)))
    setStatus(null)
  }

  function add() {
    const lastEnd = rows.length > 0 ? Number(rows[rows.length - 1].end) || 0 : 0
    const start = Math.min(lastEnd, lengthS)
    setRows([...rows, { start: start.toFixed(1), end: Math.min(start + 10, lengthS).toFixed(1) }])
    setStatus(null)
  }

  async function save() {
    const parsed: MuteInterval[] = []
    // Shown to the tenth of a second, stored to the millisecond: a time left as shown keeps its own.
    const time = (text: string, stored: number | null | undefined) =>
      stored !== undefined && text === shown(stored)
        ? stored
        : text.trim() === ''
          ? null
          : from + Math.round(Number(text) * 1000)
    for (const [k, r] of rows.entries()) {
      const start = time(r.start, r.stored?.start)
      const end = time(r.end, r.stored?.end)
      if (start === null || !Number.isFinite(start) || (end !== null && !Number.isFinite(end)))
        return setStatus(`Interval ${k + 1}: enter its start and end in seconds from the session's start.`)
      parsed.push({ start, end })
    }
    setStatus('Saving…')
    try {
      await api.setMuteIntervals({ id: sessionId, intervals: parsed })
      setStatus('Saved')
      onSaved()
    } catch (err) {
      setStatus((err as Error).message)
    }
  }

  return (
    <form
      aria-label="Muted intervals"
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      <table className="intervals">
        <caption className="muted">
          Muted intervals, in seconds from the session&apos;s start (0 – {lengthS.toFixed(1)} s)
        </caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Start (s)</th>
            <th scope="col">End (s)</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {rows.map((r, k) => (
            <tr key={k}>
              <td>{k + 1}</td>
              <td>
                <input
                  aria-label={`Start of muted interval ${k + 1} (s)`}
                  inputMode="decimal"
                  value={r.start}
                  onChange={(e) => edit(k, { start: e.target.value })}
                />
              </td>
              <td>
                <input
                  aria-label={`End of muted interval ${k + 1} (s)`}
                  inputMode="decimal"
                  placeholder={session.status === 'running' ? 'still muted' : ''}
                  value={r.end}
                  onChange={(e) => edit(k, { end: e.target.value })}
                />
              </td>
              <td>
                <button
                  type="button"
                  aria-label={`Remove muted interval ${k + 1}`}
                  onClick={() => {
                    setRows(rows.filter((_, i) => i !== k))
                    setStatus(null)
                  }}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button type="button" onClick={add}>
          Add muted interval
        </button>
        <button type="submit" className="primary">
          Save muted intervals
        </button>
        <span role="status">{status}</span>
      </div>
    </form>
  )
}
