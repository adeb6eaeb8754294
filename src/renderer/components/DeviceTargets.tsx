import { useState } from 'react'
import { localDeviceName } from '../../shared/contract/devices'
import { deviceTarget, maxExtraTargets, type DeviceTarget } from '../../shared/contract/experiment'
import { api } from '../api'
import { useRequest } from '../useRequest'
import { deviceLabel } from './charts/deviceSeries'
import { FieldError, invalidProps } from './FieldError'
import { ErrorState } from './Status'

/** One more target as typed: a device, how the app is found there, and the name, pid or command. */
export interface TargetRow {
  device: string
  kind: 'name' | 'pid' | 'spawn'
  value: string
}

const kinds = {
  name: { option: 'its process name', field: 'Process name', placeholder: 'CiscoCollabHost' },
  pid: { option: 'its process id', field: 'Process id', placeholder: '4242' },
  spawn: { option: 'spawning a command', field: 'Command', placeholder: '/opt/webex/bin/CiscoCollabHost' },
} as const

/** The rows as the plan's `targets`, or each row's problem (null where it has none). */
function checkTargetRows(
  rows: readonly TargetRow[],
): { targets: DeviceTarget[] } | { errors: (string | null)[] } {
  const targets: DeviceTarget[] = []
  const errors = rows.map((r) => {
    const v = r.value.trim()
    if (!v)
      return r.kind === 'spawn'
        ? 'Give the command to start on that device.'
        : `Give the ${r.kind === 'pid' ? 'process id' : 'process name'} of the app on that device.`
    const target =
      r.kind === 'pid'
        ? { kind: r.kind, pid: Number(v) }
        : r.kind === 'name'
          ? { kind: r.kind, name: v }
          : { kind: r.kind, command: v }
    const checked = deviceTarget.safeParse({ device: r.device, target })
    if (!checked.success)
      return r.kind === 'pid'
        ? 'A process id is a whole number above 0, e.g. 4242.'
        : (checked.error.issues[0]?.message ?? 'Check this target.')
    targets.push(checked.data)
    return null
  })
  return errors.some((e) => e !== null) ? { errors } : { targets }
}

/**
 * The form's more targets: the field's props, and `check()` that gives the plan's targets, or null after
 * showing each row's problem (shown until the rows change).
 */
export function useDeviceTargets(rows: TargetRow[], setRows: (rows: TargetRow[]) => void) {
  const [errors, setErrors] = useState<(string | null)[]>([])
  return {
    check(): DeviceTarget[] | null {
      const checked = checkTargetRows(rows)
      setErrors('errors' in checked ? checked.errors : [])
      return 'errors' in checked ? null : checked.targets
    },
    field: {
      rows,
      errors,
      onChange(next: TargetRow[]) {
        setRows(next)
        setErrors([])
      },
    },
  }
}

/**
 * More targets of a multi-device experiment: apps on this computer or on lab devices (Settings → Devices),
 * captured in the same run from the one playback, each its own series.
 */
export function DeviceTargetsField({
  rows,
  onChange,
  errors = [],
}: {
  rows: readonly TargetRow[]
  onChange: (rows: TargetRow[]) => void
  errors?: readonly (string | null)[]
}) {
  const [devices, reload] = useRequest(() => api.listDevices({ probe: false }), [])
  const names = devices.state === 'ready' ? devices.data.map((d) => d.name) : [localDeviceName]
  const lab = names.filter((n) => n !== localDeviceName)
  const edit = (i: number, patch: Partial<TargetRow>) =>
    onChange(rows.map((r, k) => (k === i ? { ...r, ...patch } : r)))
  return (
    <fieldset className="wide">
      <legend>Targets on other devices</legend>
      <p className="muted">
        Captured in the same run from the one playback; each has its own series, correlation and clock offset.
        {devices.state === 'ready' &&
          lab.length === 0 &&
          ' No lab device is registered yet: add one in Settings → Devices.'}
      </p>
      {devices.state === 'error' && <ErrorState error={devices.error} onRetry={reload} />}
      {rows.map((r, i) => {
        const n = i + 1
        const errorId = `extra-target-${n}-error`
        return (
          <div key={i} className="row" role="group" aria-label={`Target ${n}`}>
            <label>
              Device
              <select value={r.device} onChange={(e) => edit(i, { device: e.target.value })}>
                {[...new Set([...names, r.device])].map((d) => (
                  <option key={d} value={d}>
                    {deviceLabel(d)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Find the app by
              <select value={r.kind} onChange={(e) => edit(i, { kind: e.target.value as TargetRow['kind'] })}>
                {(Object.keys(kinds) as TargetRow['kind'][]).map((k) => (
                  <option key={k} value={k}>
                    {kinds[k].option}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {kinds[r.kind].field}
              <input
                value={r.value}
                inputMode={r.kind === 'pid' ? 'numeric' : undefined}
                placeholder={kinds[r.kind].placeholder}
                onChange={(e) => edit(i, { value: e.target.value })}
                {...invalidProps(errorId, errors[i])}
              />
            </label>
            <button
              type="button"
              aria-label={`Remove target ${n}`}
              onClick={() => onChange(rows.filter((_, k) => k !== i))}
            >
              Remove
            </button>
            <FieldError id={errorId} error={errors[i]} />
          </div>
        )
      })}
      <button
        type="button"
        // A new row starts on the first lab device: wait for the list.
        disabled={devices.state === 'loading' || rows.length >= maxExtraTargets}
        onClick={() => onChange([...rows, { device: lab[0] ?? localDeviceName, kind: 'name', value: '' }])}
      >
        Add a target on another device
      </button>
    </fieldset>
  )
}
