import { describe, expect, it } from 'vitest'
import { estimateClockOffset, measureClockOffset } from '../../src/core/capture/clock-offset'

describe('the clock offset of a target machine, from round trips to its agent', () => {
  it('takes the round trip that bounds it best: offset = agent time − midpoint, ± half that trip', () => {
    // A device 250 ms ahead; the second trip is the shortest (4 ms), the others were delayed one way.
    const est = estimateClockOffset([
      { sentAt: 1000, agentNow: 1265, receivedAt: 1030 },
      { sentAt: 2000, agentNow: 2252, receivedAt: 2004 },
      { sentAt: 3000, agentNow: 3251, receivedAt: 3020 },
    ])
    expect(est).toEqual({ offsetMs: 250, uncertaintyMs: 2, samples: 3 })
  })

  it('says a device behind with a negative offset', () => {
    expect(estimateClockOffset([{ sentAt: 5000, agentNow: 4000, receivedAt: 5010 }])).toEqual({
      offsetMs: -1005,
      uncertaintyMs: 5,
      samples: 1,
    })
  })

  it('refuses to estimate from no round trip at all', () => {
    expect(() => estimateClockOffset([])).toThrow(/at least one round trip/)
  })

  it('asks the agent one round trip after another and estimates from them', async () => {
    // This computer's clock advances 3 ms per reading except around the third call, answered at once.
    const readings = [0, 6, 10, 16, 20, 21, 30, 36]
    let i = 0
    const now = () => readings[i++]
    const agent = [103, 113, 120.5, 133]
    let asked = 0
    const est = await measureClockOffset(async () => agent[asked++], 4, now)
    expect(asked).toBe(4)
    expect(est).toEqual({ offsetMs: 100, uncertaintyMs: 0.5, samples: 4 })
  })
})
