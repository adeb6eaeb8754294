/**
 * IEC 61672-1 reference values used by the tests (transcribed from the standard; the weighting values are
 * checked against the analog formulas in weighting.test.ts, which catches transcription slips).
 */

/** Nominal frequency (Hz), A and C weightings (dB), Class 1 tolerance [lower, upper] (dB; -Infinity = none). */
export const WEIGHTING_TABLE: [number, number, number, [number, number]][] = [
  [10, -70.4, -14.3, [-Infinity, 3.5]],
  [12.5, -63.4, -11.2, [-Infinity, 3.0]],
  [16, -56.7, -8.5, [-4.0, 2.0]],
  [20, -50.5, -6.2, [-2.0, 2.0]],
  [25, -44.7, -4.4, [-1.5, 2.0]],
  [31.5, -39.4, -3.0, [-1.5, 1.5]],
  [40, -34.6, -2.0, [-1.0, 1.0]],
  [50, -30.2, -1.3, [-1.0, 1.0]],
  [63, -26.2, -0.8, [-1.0, 1.0]],
  [80, -22.5, -0.5, [-1.0, 1.0]],
  [100, -19.1, -0.3, [-1.0, 1.0]],
  [125, -16.1, -0.2, [-1.0, 1.0]],
  [160, -13.4, -0.1, [-1.0, 1.0]],
  [200, -10.9, 0.0, [-1.0, 1.0]],
  [250, -8.6, 0.0, [-1.0, 1.0]],
  [315, -6.6, 0.0, [-1.0, 1.0]],
  [400, -4.8, 0.0, [-1.0, 1.0]],
  [500, -3.2, 0.0, [-1.0, 1.0]],
  [630, -1.9, 0.0, [-1.0, 1.0]],
  [800, -0.8, 0.0, [-1.0, 1.0]],
  [1000, 0.0, 0.0, [-0.7, 0.7]],
  [1250, 0.6, 0.0, [-1.0, 1.0]],
  [1600, 1.0, -0.1, [-1.0, 1.0]],
  [2000, 1.2, -0.2, [-1.0, 1.0]],
  [2500, 1.3, -0.3, [-1.0, 1.0]],
  [3150, 1.2, -0.5, [-1.0, 1.0]],
  [4000, 1.0, -0.8, [-1.0, 1.0]],
  [5000, 0.5, -1.3, [-1.5, 1.5]],
  [6300, -0.1, -2.0, [-2.0, 1.5]],
  [8000, -1.1, -3.0, [-2.5, 1.5]],
  [10000, -2.5, -4.4, [-3.0, 2.0]],
  [12500, -4.3, -6.2, [-5.0, 2.0]],
  [16000, -6.6, -8.5, [-16.0, 2.5]],
  [20000, -9.3, -11.2, [-Infinity, 3.0]],
]

/** The exact frequency behind a nominal one: base-ten one-third-octave series, f = 1000 * 10^(n/10). */
export function exactFrequency(nominal: number): number {
  return 1000 * Math.pow(10, Math.round(10 * Math.log10(nominal / 1000)) / 10)
}

/**
 * 4 kHz toneburst response of Fast time weighting: burst duration (ms), reference response re the steady
 * level (dB), Class 1 tolerance [lower, upper] (dB), the stricter of the 2002 and 2013 editions.
 */
export const FAST_TONEBURSTS: [number, number, [number, number]][] = [
  [1000, 0.0, [-0.5, 0.5]],
  [500, -0.1, [-0.5, 0.5]],
  [200, -1.0, [-0.5, 0.5]],
  [100, -2.6, [-1.0, 1.0]],
  [50, -4.8, [-1.0, 1.0]],
  [20, -8.3, [-1.0, 1.0]],
  [10, -11.1, [-1.0, 1.0]],
  [5, -14.1, [-1.0, 1.0]],
  [2, -18.0, [-1.5, 1.0]],
  [1, -21.0, [-2.0, 1.0]],
  [0.5, -24.0, [-2.5, 1.0]],
  [0.25, -27.0, [-3.0, 1.0]],
]

/** Slow: the same formula with a 1 s time constant. */
export const SLOW_TONEBURSTS: [number, number, [number, number]][] = [
  [1000, -2.0, [-0.5, 0.5]],
  [500, -4.1, [-1.0, 1.0]],
  [200, -7.4, [-1.0, 1.0]],
  [50, -13.1, [-1.0, 1.0]],
  [2, -27.0, [-1.5, 1.0]],
]
