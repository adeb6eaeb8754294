import type { DeviceView } from '../../shared/contract/devices'
import { experimentPlan } from '../../shared/contract/experiment'
import { labPlayback, type LabPlayback } from '../../shared/contract/lab-link'
import { refvcaPlaysHere } from '../../shared/contract/plans'
import { api } from '../api'
import { useRequest } from '../useRequest'
import { FieldError, invalidProps } from './FieldError'
import { ErrorState, Loading } from './Status'

/** Where the episodes play, as the form holds it: the fields of every choice are kept while another is chosen. */
export interface PlaybackDraft {
  on: 'mic' | 'device' | 'lab'
  outputDevice: string
  /** The portal device the lab machine links to, and the machine. */
  portal: string
  machine: string
}

export const defaultPlayback: PlaybackDraft = { on: 'mic', outputDevice: '', portal: '', machine: '' }

/** A loaded plan's playback as the form's draft. */
export function playbackDraft(p: { outputDevice?: string | null; playback?: LabPlayback }): PlaybackDraft {
  if (p.playback)
    return { ...defaultPlayback, on: 'lab', portal: p.playback.device, machine: p.playback.machine }
  return p.outputDevice ? { ...defaultPlayback, on: 'device', outputDevice: p.outputDevice } : defaultPlayback
}

/**
 * The plan's `outputDevice` and `playback` from the draft, checked with the contract's schemas, or the
 * problem in plain words. refvca only hears this computer's virtual microphone.
 */
export function checkPlayback(
  d: PlaybackDraft,
  reference: boolean,
): { outputDevice: string | null; playback?: LabPlayback } | { error: string } {
  if (d.on === 'mic') return { outputDevice: null }
  if (d.on === 'device') {
    const name = d.outputDevice.trim()
    if (!name)
      return { error: 'Give the output device’s name, or play into this computer’s virtual microphone.' }
    const checked = experimentPlan.shape.outputDevice.safeParse(name)
    return checked.success ? { outputDevice: checked.data } : { error: checked.error.issues[0].message }
  }
  if (!d.portal) return { error: 'Choose the portal the lab machine links to.' }
  if (!d.machine) return { error: 'Choose the lab machine to play on.' }
  if (reference) return { error: refvcaPlaysHere }
  const checked = labPlayback.safeParse({ device: d.portal, machine: d.machine })
  return checked.success
    ? { outputDevice: null, playback: checked.data }
    : { error: checked.error.issues[0].message }
}

const choices = {
  mic: 'This computer’s virtual microphone (MuteScope’s)',
  device: 'An output device on this computer',
  lab: 'A lab machine’s microphone, through a portal',
} as const

/** Plays on: this computer's virtual microphone, a named output device, or a lab machine's microphone. */
export function PlaybackField({
  name,
  value,
  onChange,
  error,
}: {
  /** Radio group name, unique on the page. */
  name: string
  value: PlaybackDraft
  onChange: (value: PlaybackDraft) => void
  error?: string | null
}) {
  const set = (patch: Partial<PlaybackDraft>) => onChange({ ...value, ...patch })
  return (
    <fieldset className="wide">
      <legend>Plays on</legend>
      <div className="row">
        {(Object.keys(choices) as PlaybackDraft['on'][]).map((on) => (
          <label key={on} className="inline">
            <input type="radio" name={name} checked={value.on === on} onChange={() => set({ on })} />{' '}
            {choices[on]}
          </label>
        ))}
      </div>
      {value.on === 'device' && (
        <label>
          Output device name
          <input
            value={value.outputDevice}
            onChange={(e) => set({ outputDevice: e.target.value })}
            {...invalidProps('playback-error', error)}
          />
        </label>
      )}
      {value.on === 'lab' && <LabMachinePicker value={value} onChange={set} error={error} />}
      <FieldError id="playback-error" error={error} />
    </fieldset>
  )
}

/** The portals (probed: the machines linked to them now) and, of the chosen one, the machines offering a mic. */
function LabMachinePicker({
  value,
  onChange,
  error,
}: {
  value: PlaybackDraft
  onChange: (patch: Partial<PlaybackDraft>) => void
  error?: string | null
}) {
  const [devices, reload] = useRequest(() => api.listDevices({ probe: true }), [])
  if (devices.state === 'loading') return <Loading what="the portals and their lab machines" />
  if (devices.state === 'error') return <ErrorState error={devices.error} onRetry={reload} />
  const portals = devices.data.filter((d) => d.kind === 'portal')
  if (portals.length === 0)
    return (
      <p className="muted">
        No portal is registered: start “mutescope portal serve” on this computer (or add a portal in Settings
        → Devices), then “mutescope lab-agent” on the lab machine.
      </p>
    )
  const portal = portals.find((p) => p.name === value.portal) ?? null
  const offers = portal?.status?.machines ?? []
  // A machine of a loaded plan that is not linked now stays chosen: it may link before the run.
  const listed = value.machine && !offers.some((m) => m.machine === value.machine)
  const invalid = invalidProps('playback-error', error)
  return (
    <div className="row">
      <label>
        Portal
        <select
          value={value.portal}
          onChange={(e) => onChange({ portal: e.target.value, machine: '' })}
          {...(!value.portal && invalid)}
        >
          <option value="">Choose a portal…</option>
          {portals.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name} ({p.address})
            </option>
          ))}
        </select>
      </label>
      {portal && (
        <label>
          Lab machine
          <select
            value={value.machine}
            onChange={(e) => onChange({ machine: e.target.value })}
            {...(value.portal && invalid)}
          >
            <option value="">Choose a machine…</option>
            {offers.map((m) => (
              <option key={m.machine} value={m.machine}>
                {m.machine}: {m.mic.source ?? m.mic.sink}
                {m.busy ? ' (busy: the workbench plays there now)' : ''}
              </option>
            ))}
            {listed && <option value={value.machine}>{value.machine} (not linked now)</option>}
          </select>
        </label>
      )}
      <button type="button" onClick={reload}>
        Look for lab machines again
      </button>
      {portal && <PortalNote portal={portal} />}
    </div>
  )
}

/** Why the chosen portal offers no machine, and what to do. */
function PortalNote({ portal }: { portal: DeviceView }) {
  const status = portal.status
  if (!status?.reachable)
    return (
      <p className="muted wide">
        Portal {portal.name} did not answer{status?.error ? `: ${status.error}` : ''}. Start “mutescope portal
        serve” again.
      </p>
    )
  if (status.machines === undefined)
    return (
      <p className="muted wide">
        {status.error
          ? `Portal ${portal.name}: ${status.error}.`
          : `Portal ${portal.name} has no lab link: start it again with “mutescope portal serve”, which opens one.`}
      </p>
    )
  if (status.machines.length === 0)
    return (
      <p className="muted wide">
        No lab machine offers its microphone at {portal.name}: start “mutescope lab-agent” there (with
        --lab-cert, the certificate portal serve printed), then look again.
      </p>
    )
  return null
}
