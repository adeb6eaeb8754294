import { useEffect, useState } from 'react'
import type { PlaylistSummary } from '../../shared/contract/episodes'
import { fewIntervalsWarning } from '../../shared/run-yield'
import { api } from '../api'

const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`
const db = (v: number | null) => (v === null ? '–' : v.toFixed(1))

interface Props {
  episodes: string[]
  /** The run's own interval; null: the profile's. */
  intervalS: number | null
  profile: string
  durationS: number | null
  loop: boolean
  calibrationDb: number | null
}

/**
 * What the playlist will play, before a run: each episode's duration, LAeq and loudest minute, and a warning
 * when the run would give too few telemetry intervals to correlate. Worked out on request: decoding a long
 * episode takes seconds.
 */
export function EpisodeSummaryPanel(props: Props) {
  const { episodes, intervalS, profile, durationS, loop, calibrationDb } = props
  const key = JSON.stringify([episodes, calibrationDb])
  // Each result is kept with the playlist (and calibration) it is of: once those change, it no longer holds.
  const [summarised, setSummarised] = useState<{ key: string; summary: PlaylistSummary } | null>(null)
  const [length, setLength] = useState<{ key: string; s: number | null } | null>(null)
  const summary = summarised?.key === key ? summarised.summary : null
  const lengthS = length?.key === key ? length.s : null
  const [state, setState] = useState<'idle' | 'busy' | string>('idle')
  const [profileInterval, setProfileInterval] = useState<number | null>(null)
  // The playlist's length is read at once from the files' headers (a moment after typing stops), so the
  // warning needs no click.
  useEffect(() => {
    if (episodes.length === 0) return
    let live = true
    const timer = setTimeout(() => {
      api.episodeSummaries({ episodes, levels: false }).then(
        (r) => live && setLength({ key, s: r.totalDurationS }),
        () => undefined,
      )
    }, 400)
    return () => {
      live = false
      clearTimeout(timer)
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- key stands for episodes and calibration
  }, [key])
  useEffect(() => {
    api.listProfiles({}).then(
      (r) => setProfileInterval(r.profiles.find((p) => p.name === profile)?.intervalS ?? null),
      () => setProfileInterval(null),
    )
  }, [profile])

  async function summarise() {
    setState('busy')
    try {
      setSummarised({ key, summary: await api.episodeSummaries({ episodes, calibrationDb }) })
      setState('idle')
    } catch (err) {
      setState((err as Error).message)
    }
  }

  const unit = calibrationDb === null ? 'dBFS (A-weighted)' : 'dBA'
  const interval = intervalS ?? profileInterval ?? 60
  const warning = fewIntervalsWarning(summary?.totalDurationS ?? lengthS, durationS, loop, interval)
  return (
    <section className="wide episode-summary" aria-label="Episode summary">
      <div className="row">
        <button
          type="button"
          onClick={() => void summarise()}
          disabled={episodes.length === 0 || state === 'busy'}
        >
          {state === 'busy' ? 'Measuring episodes…' : 'Summarise episodes'}
        </button>
        {state !== 'idle' && state !== 'busy' && (
          <span className="field-error" role="alert">
            {state}
          </span>
        )}
      </div>
      {summary && (
        <table className="stats">
          <thead>
            <tr>
              <th scope="col">Episode</th>
              <th scope="col">Duration</th>
              <th scope="col">LAeq, {unit}</th>
              <th scope="col">Loudest minute</th>
            </tr>
          </thead>
          <tbody>
            {summary.episodes.map((e, i) => (
              <tr key={`${i}-${e.file}`}>
                <td>{e.file}</td>
                {e.error ? (
                  <td colSpan={3} className="field-error">
                    {e.error}
                  </td>
                ) : (
                  <>
                    <td>{e.durationS === null ? '–' : clock(e.durationS)}</td>
                    <td>{db(e.laeq)}</td>
                    <td>
                      {e.loudestMinute
                        ? `${clock(e.loudestMinute.startS)} (${db(e.loudestMinute.laeq)} ${unit})`
                        : '–'}
                    </td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
          {summary.totalDurationS !== null && (
            <tfoot>
              <tr>
                <td>Playlist</td>
                <td>{clock(summary.totalDurationS)}</td>
                <td colSpan={2} className="muted">
                  {Math.floor((durationS ?? summary.totalDurationS) / interval)} telemetry intervals of{' '}
                  {interval} s
                </td>
              </tr>
            </tfoot>
          )}
        </table>
      )}
      {warning && (
        <p className="warning-note" role="alert">
          {warning}
        </p>
      )}
    </section>
  )
}
