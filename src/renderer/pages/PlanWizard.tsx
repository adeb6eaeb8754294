import { useState, type FormEvent } from 'react'
import type { z } from 'zod'
import { refvcaMode, type DeviceTarget, type RefvcaMode } from '../../shared/contract/experiment'
import { planSpec, type PlanSpec, type PlanSpecInput, type PlanTarget } from '../../shared/contract/plans'
import { api } from '../api'
import { DeviceTargetsField, useDeviceTargets, type TargetRow } from '../components/DeviceTargets'
import { FieldError, TextField } from '../components/FieldError'
import {
  checkPlayback,
  defaultPlayback,
  PlaybackField,
  playbackDraft,
  type PlaybackDraft,
} from '../components/PlaybackChoice'
import { ErrorState } from '../components/Status'
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

interface ConditionDraft {
  micMode: string
  distanceCm: string
  activity: string
  refvcaMode: RefvcaMode
  instruction: string
  /** Fields of a loaded plan this form does not show, kept as they were. */
  otherMeta: Record<string, unknown>
}

const emptyCondition = (micMode = ''): ConditionDraft => ({
  micMode,
  distanceCm: '',
  activity: '',
  refvcaMode: micMode === 'noise-removal' ? 'noise-removal' : 'music',
  instruction: '',
  otherMeta: {},
})

type Errors = Record<string, string>

/** A number typed in a field, or the problem with it in plain words. */
function numberField(
  text: string,
  what: string,
  errors: Errors,
  key: string,
  integer = false,
): number | undefined {
  return optionalNumber(
    text,
    (n) => n > 0 && (!integer || Number.isInteger(n)),
    `Enter the ${what} as a ${integer ? 'whole ' : ''}number greater than 0, e.g. ${integer ? 2 : 5}.`,
    errors,
    key,
  )
}

/** Plain words for the contract's complaints, placed on the field they concern. */
function placeIssues(error: z.ZodError, errors: Errors): void {
  for (const i of error.issues) {
    const [top, index, , field] = i.path
    const key =
      top === 'conditions' && typeof index === 'number'
        ? `conditions.${index}.${String(field ?? '')}`
        : String(top)
    errors[key] ??= i.message
  }
}

function toTarget(useReference: boolean, picked: PickedTarget): PlanTarget | null {
  if (useReference) return 'refvca'
  const t = picked.target
  if (missingTarget(picked)) return null
  if (t.kind === 'pid') return t.pid
  return t.kind === 'spawn' ? { spawn: t.command } : t.name.trim()
}

/** One more target as a plan file writes it: its device, and a pid, a process name or {"spawn": CMD}. */
function planDeviceTarget({ device, target: t }: DeviceTarget): { device: string; target: PlanTarget } {
  return {
    device,
    target:
      t.kind === 'pid'
        ? t.pid
        : t.kind === 'spawn'
          ? { spawn: t.command }
          : t.kind === 'name'
            ? t.name
            : t.kind,
  }
}

/** One more target of a loaded plan as the form's row. */
function targetRow({ device, target: t }: { device: string; target: PlanTarget }): TargetRow {
  if (typeof t === 'number') return { device, kind: 'pid', value: String(t) }
  return typeof t === 'string'
    ? { device, kind: 'name', value: t }
    : { device, kind: 'spawn', value: t.spawn }
}

/**
 * Makes an experiment plan (or loads one from a JSON file) and runs it: every condition × episode × repeat
 * becomes one session, run unattended, pausing only where a condition has an instruction.
 */
export function PlanWizard({
  onStarted,
  onCancel,
}: {
  onStarted: (planId: number) => void
  onCancel: () => void
}) {
  const [name, setName] = useState('')
  const [useReference, setUseReference] = useState(true)
  const [picked, setPicked] = useState<PickedTarget>(noPickedTarget)
  const [extraTargets, setExtraTargets] = useState<TargetRow[]>([])
  const more = useDeviceTargets(extraTargets, setExtraTargets)
  const [episodes, setEpisodes] = useState('')
  const [intervalS, setIntervalS] = useState('5')
  const [durationS, setDurationS] = useState('')
  const [repeats, setRepeats] = useState('2')
  const [profile, setProfile] = useState('webex')
  const [playback, setPlayback] = useState<PlaybackDraft>(defaultPlayback)
  const [conditions, setConditions] = useState<ConditionDraft[]>([
    emptyCondition('music'),
    emptyCondition('noise-removal'),
  ])
  const [errors, setErrors] = useState<Errors>({})
  const [failure, setFailure] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  function setCondition(i: number, change: Partial<ConditionDraft>) {
    setConditions(conditions.map((c, j) => (j === i ? { ...c, ...change } : c)))
  }

  function build(): { spec: PlanSpec | null; errors: Errors } {
    const errs: Errors = {}
    const target = toTarget(useReference, picked)
    if (target === null) errs.target = MISSING_TARGET
    const targets = more.check()
    const playsOn = checkPlayback(playback, useReference)
    if ('error' in playsOn) errs.playback = playsOn.error
    const input: PlanSpecInput = {
      name: name.trim(),
      target: target ?? 'refvca',
      episodes: episodeLines(episodes),
      intervalS: numberField(intervalS, 'telemetry interval in seconds', errs, 'intervalS'),
      durationS: numberField(durationS, 'duration of each run in seconds', errs, 'durationS'),
      repeats: numberField(repeats, 'number of repeats', errs, 'repeats', true) ?? 1,
      profile: profile.trim() || 'webex',
      backend: picked.backend,
      host: useReference ? null : picked.host,
      ...(!('error' in playsOn) && playsOn.outputDevice && { outputDevice: playsOn.outputDevice }),
      ...(!('error' in playsOn) && playsOn.playback && { playback: playsOn.playback }),
      conditions: conditions.map((c, i) => {
        const distanceCm = optionalDistanceCm(c.distanceCm, errs, `conditions.${i}.distanceCm`)
        return {
          meta: {
            ...c.otherMeta,
            ...(c.micMode.trim() && { micMode: c.micMode.trim() }),
            ...(distanceCm !== undefined && { distanceCm }),
            ...(c.activity.trim() && { activity: c.activity.trim() }),
          },
          ...(useReference && { refvca: { mode: c.refvcaMode } }),
          ...(c.instruction.trim() && { instruction: c.instruction.trim() }),
        }
      }),
      ...(targets && targets.length > 0 && { targets: targets.map(planDeviceTarget) }),
    }
    const parsed = planSpec.safeParse(input)
    if (!parsed.success) placeIssues(parsed.error, errs)
    const valid = parsed.success && Object.keys(errs).length === 0 && targets !== null
    return { spec: valid ? parsed.data : null, errors: errs }
  }

  async function submit(e: FormEvent) {
    e.preventDefault()
    setFailure(null)
    const { spec, errors: errs } = build()
    setErrors(errs)
    if (!spec) return
    setBusy(true)
    try {
      onStarted((await api.runPlan({ spec })).planId)
    } catch (err) {
      setFailure((err as Error).message)
    } finally {
      setBusy(false)
    }
  }

  async function load(file: File) {
    setFailure(null)
    try {
      const parsed = planSpec.safeParse(JSON.parse(await file.text()))
      if (!parsed.success) {
        const errs: Errors = {}
        placeIssues(parsed.error, errs)
        throw new Error(`${file.name} is not a plan MuteScope can run: ${Object.values(errs).join(' ')}`)
      }
      fill(parsed.data)
    } catch (err) {
      setFailure(
        err instanceof SyntaxError ? `${file.name} is not JSON: ${err.message}` : (err as Error).message,
      )
    }
  }

  function fill(p: PlanSpec) {
    setName(p.name)
    const t = p.target
    setUseReference(t === 'refvca')
    if (t !== 'refvca')
      setPicked({
        host: p.host,
        backend: p.backend,
        target:
          typeof t === 'number'
            ? { kind: 'pid', pid: t }
            : typeof t === 'string'
              ? { kind: 'name', name: t }
              : { kind: 'spawn', command: t.spawn },
      })
    more.field.onChange((p.targets ?? []).map(targetRow))
    setEpisodes(p.episodes.join('\n'))
    setIntervalS(p.intervalS === undefined ? '' : String(p.intervalS))
    setDurationS(p.durationS === undefined ? '' : String(p.durationS))
    setRepeats(String(p.repeats))
    setProfile(p.profile)
    setPlayback(playbackDraft(p))
    setConditions(
      p.conditions.map(({ meta: { micMode, distanceCm, activity, ...otherMeta }, refvca, instruction }) => ({
        micMode: micMode ?? '',
        distanceCm: distanceCm === undefined || distanceCm === null ? '' : String(distanceCm),
        activity: activity ?? '',
        refvcaMode: refvca?.mode ?? 'music',
        instruction: instruction ?? '',
        otherMeta,
      })),
    )
  }

  const runs =
    conditions.length * Math.max(1, Number(repeats) || 1) * Math.max(1, episodeLines(episodes).length)

  return (
    <form className="card grid" aria-label="Experiment plan" onSubmit={(e) => void submit(e)} noValidate>
      <div className="wide row">
        <h2>New plan</h2>
        <span style={{ flex: 1 }} />
        <label className="inline">
          Load a plan file (JSON)
          <input
            type="file"
            accept=".json,application/json"
            onChange={(e) => e.target.files?.[0] && void load(e.target.files[0])}
          />
        </label>
      </div>
      <TextField id="name" label="Plan name" value={name} onChange={setName} error={errors.name} />
      <TargetChoice
        name="plan-target"
        useReference={useReference}
        onUseReference={setUseReference}
        picked={picked}
        onPicked={setPicked}
        error={errors.target}
      />
      <DeviceTargetsField {...more.field} />
      <FieldError id="targets-error" error={errors.targets} />
      <EpisodesField
        hint="each run plays one"
        value={episodes}
        onChange={setEpisodes}
        error={errors.episodes}
      />
      <PlaybackField name="plan-plays-on" value={playback} onChange={setPlayback} error={errors.playback} />
      <TimingFields
        durationLabel="Duration of each run (s, empty: the whole episode)"
        duration={durationS}
        onDuration={setDurationS}
        interval={intervalS}
        onInterval={setIntervalS}
        errors={{ duration: errors.durationS, interval: errors.intervalS }}
      />
      <TextField
        id="repeats"
        label="Repeats of each condition"
        inputMode="numeric"
        value={repeats}
        onChange={setRepeats}
        error={errors.repeats}
      />
      <ProfileField value={profile} onChange={setProfile} />
      {conditions.map((c, i) => (
        <fieldset key={i} className="wide conditions" aria-label={`Condition ${i + 1}`}>
          <legend>Condition {i + 1}</legend>
          <TextField
            id={`condition-${i}-micMode`}
            label="Microphone mode"
            value={c.micMode}
            onChange={(micMode) => setCondition(i, { micMode })}
          />
          <TextField
            id={`condition-${i}-distance`}
            label="Speaker–mic distance (cm)"
            inputMode="decimal"
            value={c.distanceCm}
            onChange={(distanceCm) => setCondition(i, { distanceCm })}
            error={errors[`conditions.${i}.distanceCm`]}
          />
          <TextField
            id={`condition-${i}-activity`}
            label="Activity label"
            value={c.activity}
            onChange={(activity) => setCondition(i, { activity })}
          />
          {useReference && (
            <label>
              refvca mode
              <select
                value={c.refvcaMode}
                onChange={(e) => setCondition(i, { refvcaMode: e.target.value as RefvcaMode })}
              >
                {refvcaMode.options.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </label>
          )}
          <TextField
            id={`condition-${i}-instruction`}
            className="wide"
            label="Instruction before its runs (optional: the plan waits until you press Continue)"
            placeholder="e.g. Switch the app to music mode"
            value={c.instruction}
            onChange={(instruction) => setCondition(i, { instruction })}
          />
          <div className="row end wide">
            <button
              type="button"
              disabled={conditions.length === 1}
              onClick={() => setConditions(conditions.filter((_, j) => j !== i))}
            >
              Remove condition {i + 1}
            </button>
          </div>
          <FieldError
            id={`condition-${i}-error`}
            error={errors[`conditions.${i}.`] ?? errors[`conditions.${i}.meta`]}
          />
        </fieldset>
      ))}
      <div className="row wide">
        <button type="button" onClick={() => setConditions([...conditions, emptyCondition()])}>
          Add condition
        </button>
        <FieldError id="conditions-error" error={errors.conditions} />
      </div>
      {failure && (
        <div className="wide">
          <ErrorState error={failure} />
        </div>
      )}
      <div className="row end wide">
        <span className="muted">{runs} run(s), one session each</span>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Run plan
        </button>
      </div>
    </form>
  )
}
