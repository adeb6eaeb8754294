import { useEffect, useState, type FormEvent } from 'react'
import type { ExperimentPlanInput } from '../../shared/contract/experiment'
import { api } from '../api'
import { TargetPicker, type PickedTarget } from '../components/TargetPicker'

const metaFields = [
  ['name', 'Session name'],
  ['targetApp', 'App'],
  ['appVersion', 'App version'],
  ['micMode', 'Microphone mode (e.g. noise removal, music)'],
  ['microphone', 'Microphone'],
  ['activity', 'Activity label'],
] as const
type MetaKey = (typeof metaFields)[number][0]

function optionalNumber(v: string): number | null {
  const n = Number(v)
  return v.trim() === '' || !Number.isFinite(n) ? null : n
}

/** The plan of a muted-call experiment: what to audit, what to play into its microphone, and what to record. */
export function ExperimentWizard({ onStart }: { onStart: (plan: ExperimentPlanInput) => void }) {
  const [useReference, setUseReference] = useState(true)
  const [picked, setPicked] = useState<PickedTarget>({
    target: { kind: 'name', name: '' },
    host: null,
    backend: 'auto',
  })
  const [profile, setProfile] = useState('webex')
  const [episodes, setEpisodes] = useState('')
  const [outputDevice, setOutputDevice] = useState('')
  const [loop, setLoop] = useState(false)
  const [duration, setDuration] = useState('')
  const [interval, setIntervalS] = useState('')
  const [distance, setDistance] = useState('')
  const [notes, setNotes] = useState('')
  const [meta, setMeta] = useState<Record<MetaKey, string>>({
    name: '',
    targetApp: '',
    appVersion: '',
    micMode: '',
    microphone: '',
    activity: '',
  })

  useEffect(() => {
    // Start from the shipped demo episode so a first run needs nothing typed.
    api.demoPlan({}).then(
      (demo) => setEpisodes((e) => e || demo.episodes.join('\n')),
      () => undefined,
    )
  }, [])

  function submit(e: FormEvent) {
    e.preventDefault()
    onStart({
      target: useReference ? { kind: 'refvca' } : picked.target,
      host: useReference ? null : picked.host,
      backend: picked.backend,
      profile: profile.trim() || 'webex',
      episodes: episodes
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
      outputDevice: outputDevice.trim() || null,
      loop,
      durationS: optionalNumber(duration),
      intervalS: optionalNumber(interval),
      meta: { ...meta, notes, distanceCm: optionalNumber(distance) },
    })
  }

  return (
    <form className="card grid" aria-label="Experiment plan" onSubmit={submit}>
      <fieldset className="wide row">
        <legend>Target app</legend>
        <label className="inline">
          <input type="radio" name="target" checked={useReference} onChange={() => setUseReference(true)} />{' '}
          Reference app (refvca, a model of a muted app)
        </label>
        <label className="inline">
          <input type="radio" name="target" checked={!useReference} onChange={() => setUseReference(false)} />{' '}
          A conferencing app on this or a lab computer
        </label>
      </fieldset>
      {!useReference && (
        <div className="wide">
          <TargetPicker value={picked} onChange={setPicked} />
        </div>
      )}
      <label>
        Extraction profile (webex, generic or a file)
        <input value={profile} onChange={(e) => setProfile(e.target.value)} />
      </label>
      <label className="wide">
        Episodes (one file per line)
        <textarea rows={3} value={episodes} onChange={(e) => setEpisodes(e.target.value)} required />
      </label>
      <label>
        Playback device (empty: MuteScope’s virtual microphone)
        <input value={outputDevice} onChange={(e) => setOutputDevice(e.target.value)} />
      </label>
      <label>
        Duration (s, empty: until the playlist ends)
        <input inputMode="decimal" value={duration} onChange={(e) => setDuration(e.target.value)} />
      </label>
      <label>
        Telemetry interval (s, empty: the profile’s)
        <input inputMode="decimal" value={interval} onChange={(e) => setIntervalS(e.target.value)} />
      </label>
      <label className="inline">
        <input type="checkbox" checked={loop} onChange={(e) => setLoop(e.target.checked)} /> Loop the playlist
      </label>
      {metaFields.map(([key, label]) => (
        <label key={key}>
          {label}
          <input value={meta[key]} onChange={(e) => setMeta({ ...meta, [key]: e.target.value })} />
        </label>
      ))}
      <label>
        Speaker–mic distance (cm)
        <input inputMode="decimal" value={distance} onChange={(e) => setDistance(e.target.value)} />
      </label>
      <label className="wide">
        Notes
        <textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
      </label>
      <div className="row end wide">
        <button type="submit" className="primary">
          Start
        </button>
      </div>
    </form>
  )
}
