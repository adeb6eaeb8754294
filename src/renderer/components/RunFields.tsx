import { FieldError, invalidProps, TextField } from './FieldError'
import { TargetPicker, type PickedTarget } from './TargetPicker'

/** The fields an experiment run and an experiment plan share: what is audited, what is played, how often. */

/** The target picker before anything is chosen: a process name still to type. */
export const noPickedTarget: PickedTarget = {
  target: { kind: 'name', name: '' },
  host: null,
  backend: 'auto',
}

/** Whether the picker lacks the app to audit: no name or no command typed. */
export function missingTarget(p: PickedTarget): boolean {
  const t = p.target
  return (t.kind === 'name' && !t.name.trim()) || (t.kind === 'spawn' && !t.command.trim())
}

export const MISSING_TARGET =
  'Choose the app to audit: pick a running process, or give its name or a command to start.'

/** The reference app, or a conferencing app chosen with the target picker. */
export function TargetChoice(props: {
  /** Radio group name, unique on the page. */
  name: string
  useReference: boolean
  onUseReference: (useReference: boolean) => void
  picked: PickedTarget
  onPicked: (picked: PickedTarget) => void
  error?: string
}) {
  const { name, useReference, onUseReference } = props
  return (
    <>
      <fieldset className="wide row">
        <legend>Target app</legend>
        <label className="inline">
          <input type="radio" name={name} checked={useReference} onChange={() => onUseReference(true)} />{' '}
          Reference app (refvca, a model of a muted app)
        </label>
        <label className="inline">
          <input type="radio" name={name} checked={!useReference} onChange={() => onUseReference(false)} /> A
          conferencing app on this or a lab computer
        </label>
        <FieldError id="target-error" error={props.error} />
      </fieldset>
      {!useReference && (
        <div className="wide">
          <TargetPicker value={props.picked} onChange={props.onPicked} />
        </div>
      )}
    </>
  )
}

/** The episode files typed in the episodes field, one a line, blank lines left out. */
export function episodeLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
}

/** The episodes to play, one file per line. */
export function EpisodesField(props: {
  /** What the episodes are for, after "one file per line". */
  hint?: string
  value: string
  onChange: (value: string) => void
  onFocus?: () => void
  error?: string
}) {
  return (
    <label className="wide">
      Episodes (one file per line{props.hint ? `; ${props.hint}` : ''})
      <textarea
        rows={3}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        onFocus={props.onFocus}
        {...invalidProps('episodes-error', props.error)}
      />
      <FieldError id="episodes-error" error={props.error} />
    </label>
  )
}

/** The extraction profile that finds the gains in the app's telemetry. */
export function ProfileField({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <label>
      Extraction profile (webex, generic or a file)
      <input value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  )
}

/** How long a run plays and how often the app reports, in seconds. */
export function TimingFields(props: {
  /** The duration's label, saying what an empty one means. */
  durationLabel: string
  duration: string
  onDuration: (value: string) => void
  interval: string
  onInterval: (value: string) => void
  errors: { duration?: string; interval?: string }
}) {
  return (
    <>
      <TextField
        id="duration"
        label={props.durationLabel}
        inputMode="decimal"
        value={props.duration}
        onChange={props.onDuration}
        error={props.errors.duration}
      />
      <TextField
        id="interval"
        label="Telemetry interval (s, empty: the profile’s)"
        inputMode="decimal"
        value={props.interval}
        onChange={props.onInterval}
        error={props.errors.interval}
      />
    </>
  )
}
