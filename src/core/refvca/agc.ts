/**
 * THE REFERENCE TARGET'S AUTOMATIC GAIN CONTROL — A MODEL, NOT WEBEX'S ALGORITHM (which is not public).
 * It only reproduces the behaviour the PETS 2022 paper observed in Webex's telemetry: a gain that is high
 * in quiet rooms and falls as the microphone's input level rises, reported per interval as min/mean/max.
 *
 * Per 10 ms frame:
 *   level L   = 20·log10(RMS of the frame) in dBFS (floor −100 dBFS)
 *   desired g = clip(targetDbfs − L, 0, 55) dB: the gain that would bring the frame to the target level
 *   gain      moves toward g by at most `attackDb` per frame when falling (loud input is tamed fast) and
 *             `releaseDb` per frame when rising (the gain recovers slowly in quiet), clipped to 0..55 dB.
 * Per interval: the min, mean and max of the frame gains, rounded to integers.
 */
export interface AgcOptions {
  targetDbfs: number
  attackDb: number
  releaseDb: number
}

/** How reports and logs name the model, so nobody takes it for a vendor's algorithm. */
export const agcModelName = "MuteScope refvca AGC model (not Webex's algorithm)"

export const defaultAgc: AgcOptions = { targetDbfs: -20, attackDb: 3, releaseDb: 0.1 }

export const maxGainDb = 55
/** The model works on 10 ms frames. */
export const agcFrameS = 0.01
const floorDbfs = -100

export interface IntervalGains {
  audioMaxGain: number
  audioMeanGain: number
  audioMinGain: number
}

export class AgcModel {
  private readonly frameLength: number
  private frame: Float32Array
  private filled = 0
  private gain = maxGainDb
  private min = Infinity
  private max = -Infinity
  private sum = 0
  private frames = 0

  /** `preprocess` changes each frame in place before it is measured (refvca's noise-removal mode). */
  constructor(
    sampleRate: number,
    private readonly opts: AgcOptions = defaultAgc,
    private readonly preprocess?: (frame: Float32Array) => unknown,
  ) {
    this.frameLength = Math.round(sampleRate * agcFrameS)
    this.frame = new Float32Array(this.frameLength)
  }

  /** Takes samples in any block size; whole 10 ms frames are processed as they fill up. */
  push(samples: Float32Array): void {
    let i = 0
    while (i < samples.length) {
      const n = Math.min(this.frameLength - this.filled, samples.length - i)
      this.frame.set(samples.subarray(i, i + n), this.filled)
      this.filled += n
      i += n
      if (this.filled === this.frameLength) {
        this.processFrame()
        this.filled = 0
      }
    }
  }

  /** The statistics since the last call, or null when no whole frame was processed. */
  takeInterval(): IntervalGains | null {
    if (this.frames === 0) return null
    const out = {
      audioMaxGain: Math.round(this.max),
      audioMeanGain: Math.round(this.sum / this.frames),
      audioMinGain: Math.round(this.min),
    }
    this.min = Infinity
    this.max = -Infinity
    this.sum = 0
    this.frames = 0
    return out
  }

  private processFrame(): void {
    this.preprocess?.(this.frame)
    let energy = 0
    for (const s of this.frame) energy += s * s
    const rms = Math.sqrt(energy / this.frameLength)
    const level = rms > 0 ? Math.max(floorDbfs, 20 * Math.log10(rms)) : floorDbfs
    const desired = clip(this.opts.targetDbfs - level)
    const step = desired - this.gain
    this.gain = clip(this.gain + Math.max(-this.opts.attackDb, Math.min(this.opts.releaseDb, step)))
    this.min = Math.min(this.min, this.gain)
    this.max = Math.max(this.max, this.gain)
    this.sum += this.gain
    this.frames++
  }
}

function clip(db: number): number {
  return Math.min(maxGainDb, Math.max(0, db))
}
