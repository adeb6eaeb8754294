/** One round trip to a target's agent: when it was asked, what its clock said, when the answer came (ms). */
export interface ClockSample {
  sentAt: number
  agentNow: number
  receivedAt: number
}

/** A target machine's clock against this computer's (see `clockOffset` in src/shared/model.ts). */
export interface ClockEstimate {
  /** Device time − this computer's time: positive when the device is ahead. */
  offsetMs: number
  /** Half the round trip of the sample used: the true offset lies within ± this (clocks not drifting). */
  uncertaintyMs: number
  samples: number
}

/**
 * Cristian's estimate: the agent read its clock somewhere within the round trip, so the sample with the
 * shortest round trip bounds it best; its midpoint is the most likely moment, and half the trip the error.
 */
export function estimateClockOffset(samples: readonly ClockSample[]): ClockEstimate {
  if (samples.length === 0) throw new Error('a clock offset needs at least one round trip')
  const best = samples.reduce((a, b) => (b.receivedAt - b.sentAt < a.receivedAt - a.sentAt ? b : a))
  const trip = Math.max(0, best.receivedAt - best.sentAt)
  return {
    offsetMs: best.agentNow - (best.sentAt + trip / 2),
    uncertaintyMs: trip / 2,
    samples: samples.length,
  }
}

/** Sub-millisecond wall-clock time: a round trip over loopback or a LAN often takes less than 1 ms. */
const preciseNow = () => performance.timeOrigin + performance.now()

/** Asks the agent's clock `count` times, one round trip after another, and estimates the offset. */
export async function measureClockOffset(
  askAgentNow: () => Promise<number>,
  count: number,
  now: () => number = preciseNow,
): Promise<ClockEstimate> {
  const samples: ClockSample[] = []
  for (let i = 0; i < count; i++) {
    const sentAt = now()
    const agentNow = await askAgentNow()
    samples.push({ sentAt, agentNow, receivedAt: now() })
  }
  return estimateClockOffset(samples)
}
