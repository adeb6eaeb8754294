/**
 * THE REFERENCE TARGET'S NOISE REMOVAL — A MODEL, NOT WEBEX'S ALGORITHM (which is not public).
 * Conferencing apps offer a "noise removal" microphone mode (the paper's Fig. 7) beside a "music" or
 * "original sound" mode that passes the signal as it is (Fig. 11). refvca's noise-removal mode runs this
 * broadband suppressor on each 10 ms frame before the AGC model measures it, so the gain statistics see
 * what is left after suppression:
 *
 *   power P   = mean square of the frame
 *   noise N   = tracked minimum of P: it follows P down at once and rises at most `riseDbPerS` (the noise
 *               floor of a room changes slowly; speech and music come and go)
 *   gain G    = max(floorDb, 10·log10(1 − overSubtraction·N/P)) dB on power (spectral subtraction over one
 *               broad band), applied to the frame's samples as amplitude 10^(G/20)
 *
 * Steady noise (P ≈ N) is attenuated by |floorDb|; sounds well above the floor pass nearly unchanged.
 */
export interface SuppressionOptions {
  riseDbPerS: number
  overSubtraction: number
  floorDb: number
}

export const defaultSuppression: SuppressionOptions = { riseDbPerS: 10, overSubtraction: 2, floorDb: -25 }

/** Below this power a frame is digital silence: nothing to suppress, and no floor to learn from. */
const silentPower = 1e-10

export class NoiseSuppressor {
  private noise: number | null = null
  private readonly rise: number

  constructor(
    frameS: number,
    private readonly opts: SuppressionOptions = defaultSuppression,
  ) {
    this.rise = 10 ** ((opts.riseDbPerS * frameS) / 10)
  }

  /** Suppresses one frame in place; returns the gain applied, in dB. */
  process(frame: Float32Array): number {
    let energy = 0
    for (const s of frame) energy += s * s
    const power = energy / frame.length
    if (power < silentPower) return 0
    this.noise = this.noise === null ? power : Math.min(power, this.noise * this.rise)
    const left = 1 - (this.opts.overSubtraction * this.noise) / power
    const gainDb = Math.max(this.opts.floorDb, left > 0 ? 10 * Math.log10(left) : -Infinity)
    const amplitude = 10 ** (gainDb / 20)
    for (let i = 0; i < frame.length; i++) frame[i] *= amplitude
    return gainDb
  }
}
