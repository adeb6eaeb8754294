/** A calibration offset as typed: empty is none; otherwise a number of dB, or the problem in plain words. */
export function parseCalibration(text: string): { value: number | null; error: string | null } {
  if (text.trim() === '') return { value: null, error: null }
  const n = Number(text)
  if (!Number.isFinite(n) || Math.abs(n) > 200)
    return {
      value: null,
      error:
        'Enter the calibration in dB, e.g. 94 (the sound level full scale gives at the microphone), or leave it empty.',
    }
  return { value: n, error: null }
}

export const calibrationHelp =
  'dB added to the recorded levels to give sound pressure levels: the SPL that digital full scale produces at ' +
  'the microphone. Empty: levels are shown as dBFS (A-weighted), dB re full scale.'
