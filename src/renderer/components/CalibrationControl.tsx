import { useState } from 'react'
import { api } from '../api'
import { calibrationHelp, parseCalibration } from '../calibration'
import { FieldError, invalidProps } from './FieldError'

/** The session's calibration offset, edited where its effect shows: in the review of its levels. */
export function CalibrationControl(props: { sessionId: number; value: number | null; onSaved: () => void }) {
  const { sessionId, value, onSaved } = props
  const [text, setText] = useState(value === null ? '' : String(value))
  const [state, setState] = useState<string | null>(null)
  const parsed = parseCalibration(text)
  const changed = parsed.error === null && parsed.value !== value
  const id = `calibration-${sessionId}`

  async function save() {
    if (parsed.error) return
    setState('Saving…')
    try {
      await api.updateSession({ id: sessionId, patch: { calibrationDb: parsed.value } })
      setState(null)
      onSaved()
    } catch (err) {
      setState((err as Error).message)
    }
  }

  return (
    <form
      className="row calibration"
      aria-label="Calibration"
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      <label title={calibrationHelp}>
        Calibration offset (dB, empty: none)
        <input
          inputMode="decimal"
          value={text}
          onChange={(e) => {
            setText(e.target.value)
            setState(null)
          }}
          {...invalidProps(`${id}-error`, parsed.error)}
        />
        <FieldError id={`${id}-error`} error={parsed.error} />
      </label>
      <button type="submit" disabled={!changed}>
        Apply calibration
      </button>
      <span className="muted" role="status">
        {state ??
          (value === null
            ? 'Levels in dBFS (A-weighted): not calibrated.'
            : `Levels in dBA: ${value} dB added.`)}
      </span>
    </form>
  )
}
