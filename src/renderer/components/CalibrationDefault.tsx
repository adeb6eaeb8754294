import { useEffect, useState } from 'react'
import { api } from '../api'
import { calibrationHelp, parseCalibration } from '../calibration'
import { FieldError, invalidProps } from './FieldError'

/** Settings' default calibration: what the experiment wizard and runs started elsewhere give new sessions. */
export function CalibrationDefault() {
  const [text, setText] = useState<string | null>(null)
  const [saved, setSaved] = useState<number | null>(null)
  const [state, setState] = useState<string | null>(null)
  useEffect(() => {
    api.getSettings({}).then(
      (s) => {
        setSaved(s.calibrationDb)
        setText(s.calibrationDb === null ? '' : String(s.calibrationDb))
      },
      (err: Error) => setState(err.message),
    )
  }, [])
  const parsed = parseCalibration(text ?? '')

  async function save() {
    if (parsed.error) return
    try {
      const s = await api.updateSettings({ calibrationDb: parsed.value })
      setSaved(s.calibrationDb)
      setState('Saved')
    } catch (err) {
      setState((err as Error).message)
    }
  }

  return (
    <form
      className="card"
      aria-label="Calibration"
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      <h2>Calibration</h2>
      <p className="muted">
        {calibrationHelp} New sessions start with this offset; each session can change its own.
      </p>
      <div className="row">
        <label>
          Default calibration offset (dB, empty: none)
          <input
            inputMode="decimal"
            value={text ?? ''}
            disabled={text === null}
            onChange={(e) => {
              setText(e.target.value)
              setState(null)
            }}
            {...invalidProps('default-calibration-error', parsed.error)}
          />
          <FieldError id="default-calibration-error" error={parsed.error} />
        </label>
        <button type="submit" disabled={text === null || parsed.error !== null || parsed.value === saved}>
          Save
        </button>
        <span role="status" className="muted">
          {state}
        </span>
      </div>
    </form>
  )
}
