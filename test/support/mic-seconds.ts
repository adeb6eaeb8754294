import type { MicAccessSecond } from '../../src/shared/model'

/** A mic-access second of pid 7 reading a loud microphone through PulseAudio, with `over` changed. */
export function micSecond(t: number, over: Partial<MicAccessSecond> = {}): MicAccessSecond {
  return {
    t,
    pid: 7,
    api: 'pa_stream_peek',
    reads: 50,
    frames: 48_000,
    bytes: 192_000,
    rmsDbfs: -20,
    peakDbfs: -6,
    ...over,
  }
}

/** What a second in which the process read nothing records. */
export const noReads = { reads: 0, frames: 0, bytes: 0, rmsDbfs: null, peakDbfs: null } as const
