import type { MicSecond } from '../../agent/protocol'
import type { MicAccessSecond } from '../../shared/model'

/**
 * The mic-access lane's rows from what the agent measured in each second: the RMS and peak of the samples an
 * app read, in dB relative to full scale. Digital silence reads as the floor, not minus infinity.
 */
export const floorDbfs = -120

const db = (x: number) => Math.round(Math.max(floorDbfs, x) * 100) / 100

/**
 * One row. `clockOffset` turns the agent's clock (a remote device's) into this computer's, in whole seconds:
 * a second stays a whole second here, and a local agent's offset is only the jitter of measuring it.
 */
export function micAccessSecond(pid: number, clockOffset: number, s: MicSecond): MicAccessSecond {
  const measured = s.samples > 0
  return {
    t: s.t + Math.round(clockOffset / 1000) * 1000,
    pid,
    api: s.api,
    reads: s.reads,
    frames: s.frames,
    bytes: s.bytes,
    rmsDbfs: measured ? db(10 * Math.log10(s.sumSquares / s.samples)) : null,
    peakDbfs: measured ? db(20 * Math.log10(s.peak)) : null,
  }
}
