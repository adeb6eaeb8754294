import { useState, type FormEvent } from 'react'
import type { ExperimentPlanInput } from '../../shared/contract/experiment'
import { api } from '../api'
import { calibrationHelp, parseCalibration } from '../calibration'
import { DeviceTargetsField, useDeviceTargets, type TargetRow } from '../components/DeviceTargets'
import { EpisodeSummaryPanel } from '../components/EpisodeSummaryPanel'
import { FieldError, invalidProps, TextField } from '../components/FieldError'
import {
  checkPlayback,
  defaultPlayback,
  PlaybackField,
  type PlaybackDraft,
} from '../components/PlaybackChoice'
import {
  episodeLines,
  EpisodesField,
  MISSING_TARGET,
  missingTarget,
  noPickedTarget,
  ProfileField,
  TargetChoice,
  TimingFields,
} from '../components/RunFields'
import type { PickedTarget } from '../components/TargetPicker'
import { optionalDistanceCm, optionalNumber } from '../formNumbers'
import { useDraft, useLateDefault } from '../wizardDraft'

const metaFields = [
  ['name', 'Session name'],
  ['targetApp', 'App'],
  ['appVersion', 'App version'],
  ['micMode', 'Microphone mode (e.g. noise removal, music)'],
  ['microphone', 'Microphone'],
  ['activity', 'Activity label'],
] as const
type MetaKey = (typeof metaFields)[number][0]

type Errors = Partial<
  Record<'target' | 'episodes' | 'playback' | 'duration' | 'interval' | 'distance' | 'calibration', string>
>

/** The plan of a muted-call experiment: what to audit, what to play into its microphone, and what to record. */
export function ExperimentWizard({ onStart }: { onStart: (plan: ExperimentPlanInput) => void }) {
  const [useReference, setUseReference] = useDraft('useReference', true)
  const [picked, setPicked] = useDraft<PickedTarget>('picked', noPickedTarget)
  const [extraTargets, setExtraTargets] = useDraft<TargetRow[]>('extraTargets', [])
  const more = useDeviceTargets(extraTargets, setExtraTargets)
  const [profile, setProfile] = useDraft('profile', 'webex')
  const [episodes, setEpisodes] = useDraft('episodes', '')
  const [playback, setPlayback] = useDraft<PlaybackDraft>('playback', defaultPlayback)
  const [loop, setLoop] = useDraft('loop', false)
  const [egress, setEgress] = useDraft('egress', false)
  // On by default: whether the muted app reads the microphone is the first thing to know about it.
  const [micAccess, setMicAccess] = useDraft('micAccess', true)
  const [muted, setMuted] = useDraft('muted', false)
  const [duration, setDuration] = useDraft('duration', '')
  const [interval, setIntervalS] = useDraft('interval', '')
  const [distance, setDistance] = useDraft('distance', '')
  const [notes, setNotes] = useDraft('notes', '')
  // null until Settings' default calibration has filled it in.
  const [calibration, setCalibration] = useDraft<string | null>('calibration', null)
  const enterCalibration = useLateDefault(setCalibration, () =>
    api.getSettings({}).then(
      (s) => (c) => c ?? (s.calibrationDb === null ? '' : String(s.calibrationDb)),
      () => (c) => c ?? '',
    ),
  )
  const calibrationDb = parseCalibration(calibration ?? '')
  const episodeList = episodeLines(episodes)
  const typed = (v: string) => (v.trim() !== '' && Number(v) > 0 ? Number(v) : null)
  const [meta, setMeta] = useDraft<Record<MetaKey, string>>('meta', {
    name: '',
    targetApp: '',
    appVersion: '',
    micMode: '',
    microphone: '',
    activity: '',
  })

  // Start from the shipped demo episode so a first run needs nothing typed.
  const enterEpisodes = useLateDefault(setEpisodes, () =>
    api.demoPlan({}).then(
      (demo) => (e) => e || demo.episodes.join('\n'),
      () => (e) => e,
    ),
  )

  const [errors, setErrors] = useState<Errors>({})

  function submit(e: FormEvent) {
    e.preventDefault()
    const errs: Errors = {}
    if (!useReference && missingTarget(picked)) errs.target = MISSING_TARGET
    if (episodeList.length === 0) errs.episodes = 'Give at least one episode file to play.'
    const positive = (n: number) => n > 0
    const durationS =
      optionalNumber(
        duration,
        positive,
        'Enter the duration in seconds, e.g. 120, or leave it empty.',
        errs,
        'duration',
      ) ?? null
    const intervalS =
      optionalNumber(
        interval,
        positive,
        'Enter the interval in seconds, e.g. 5, or leave it empty.',
        errs,
        'interval',
      ) ?? null
    const distanceCm = optionalDistanceCm(distance, errs, 'distance') ?? null
    if (calibrationDb.error) errs.calibration = calibrationDb.error
    const playsOn = checkPlayback(playback, useReference)
    if ('error' in playsOn) errs.playback = playsOn.error
    const targets = more.check()
    setErrors(errs)
    if (Object.keys(errs).length > 0 || targets === null || 'error' in playsOn) return
    onStart({
      target: useReference ? { kind: 'refvca' } : picked.target,
      host: useReference ? null : picked.host,
      backend: picked.backend,
      profile: profile.trim() || 'webex',
      episodes: episodeList,
      ...playsOn,
      loop,
      egress: egress && !useReference,
      micAccess,
      muted,
      durationS,
      intervalS,
      meta: { ...meta, notes, distanceCm, calibrationDb: calibrationDb.value },
      ...(targets.length > 0 && { targets }),
    })
  }

  return (
    <form className="card grid" aria-label="Experiment plan" onSubmit={submit} noValidate>
      <TargetChoice
        name="target"
        useReference={useReference}
        onUseReference={setUseReference}
        picked={picked}
        onPicked={setPicked}
        error={errors.target}
      />
      <DeviceTargetsField {...more.field} />
      <ProfileField value={profile} onChange={setProfile} />
      <EpisodesField
        value={episodes}
        onChange={setEpisodes}
        onFocus={enterEpisodes}
        error={errors.episodes}
      />
      <PlaybackField name="plays-on" value={playback} onChange={setPlayback} error={errors.playback} />
      <TimingFields
        durationLabel="Duration (s, empty: until the playlist ends)"
        duration={duration}
        onDuration={setDuration}
        interval={interval}
        onInterval={setIntervalS}
        errors={errors}
      />
      <label className="inline">
        <input type="checkbox" checked={loop} onChange={(e) => setLoop(e.target.checked)} /> Loop the playlist
      </label>
      <label className="inline">
        <input type="checkbox" checked={micAccess} onChange={(e) => setMicAccess(e.target.checked)} /> Record
        the mic-access lane: what the app reads from the microphone
      </label>
      <label className="inline" title="Or mark muted intervals live with Mute (M), or later in the review">
        <input type="checkbox" checked={muted} onChange={(e) => setMuted(e.target.checked)} /> The app is
        muted for the whole run
      </label>
      {!useReference && (
        <label className="inline">
          <input type="checkbox" checked={egress} onChange={(e) => setEgress(e.target.checked)} /> Prove
          egress: record the packets and TLS secrets (needs tshark and dumpcap)
        </label>
      )}
      {metaFields.map(([key, label]) => (
        <label key={key}>
          {label}
          <input value={meta[key]} onChange={(e) => setMeta({ ...meta, [key]: e.target.value })} />
        </label>
      ))}
      <TextField
        id="distance"
        label="Speaker–mic distance (cm)"
        inputMode="decimal"
        value={distance}
        onChange={setDistance}
        error={errors.distance}
      />
      <label title={calibrationHelp}>
        Calibration offset (dB, empty: levels in dBFS)
        <input
          inputMode="decimal"
          value={calibration ?? ''}
          onChange={(e) => setCalibration(e.target.value)}
          onFocus={enterCalibration}
          {...invalidProps('calibration-error', errors.calibration)}
        />
        <FieldError id="calibration-error" error={errors.calibration} />
      </label>
      <EpisodeSummaryPanel
        episodes={episodeList}
        intervalS={typed(interval)}
        profile={profile.trim() || 'webex'}
        durationS={typed(duration)}
        loop={loop}
        calibrationDb={calibrationDb.value}
      />
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
