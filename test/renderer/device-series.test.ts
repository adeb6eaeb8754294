import { describe, expect, it } from 'vitest'
import { deviceGaps, gainSeries } from '../../src/renderer/components/charts/deviceSeries'
import type { SessionEvent, TelemetryRecord } from '../../src/shared/model'
import { gainRecord } from '../analysis/synthetic-session'

const t0 = Date.UTC(2026, 0, 1, 12, 0, 0)
const at = (s: number) => t0 + s * 1000
const tagged = (r: TelemetryRecord, device: string, target: string) => ({ ...r, device, target })

function lost(s: number, detail: Record<string, unknown>): SessionEvent {
  return { t: at(s + 4), kind: 'device-lost', detail: { since: at(s), why: 'no answer for 4 s', ...detail } }
}
function back(s: number, gapS: number, detail: Record<string, unknown>): SessionEvent {
  return { t: at(s + gapS), kind: 'device-back', detail: { since: at(s), gapMs: gapS * 1000, ...detail } }
}

describe('gain series per device', () => {
  it('an untagged session is one series of this computer, whatever its gaps name', () => {
    const records = [20, 5, 10].map((s) => gainRecord(at(s), -5, 0, 4))
    // Sessions captured before devices were tagged name the frida-server by its address.
    const host = { pid: 7, host: '10.0.0.2:27042' }
    const gaps = deviceGaps([lost(11, host), back(11, 6, host)])
    const [only, ...rest] = gainSeries(records, gaps)
    expect(rest).toEqual([])
    expect(only).toMatchObject({ device: 'local', target: null, label: 'this computer' })
    expect(only.points.map((p) => p.t)).toEqual([at(5), at(10), at(20)])
    expect(gaps.map((g) => [g.label, g.start, g.end])).toEqual([['10.0.0.2:27042', at(11), at(17)]])
    expect(only.drawn.map((p) => [p.t, p.mean])).toEqual([
      [at(5), 0],
      [at(10), 0],
      [at(11), null],
      [at(17), null],
      [at(20), 0],
    ])
  })

  it('splits tagged records by device and target, and breaks only the lost one at its gap', () => {
    const records = [
      ...[5, 10, 15, 20, 25].map((s) => tagged(gainRecord(at(s), -5, 0, 4), 'local', 'refvca')),
      ...[6, 11, 21, 26].map((s) => tagged(gainRecord(at(s), -4, 1, 5), 'lab', 'pid 42')),
      tagged(gainRecord(at(7), -4, 1, 5), 'lab', 'pid 43'),
    ]
    const tag = { device: 'lab', target: 'pid 42' }
    // Two of its processes lost at once, back one after the other: one gap from the first loss to the last return.
    const gaps = deviceGaps([
      lost(12, { ...tag, pid: 42 }),
      lost(13, { ...tag, pid: 44 }),
      back(12, 6, { ...tag, pid: 42 }),
      back(13, 7, { ...tag, pid: 44 }),
    ])
    expect(gaps).toEqual([{ device: 'lab', target: 'pid 42', label: 'lab', start: at(12), end: at(20) }])
    const series = gainSeries(records, gaps)
    expect(series.map((g) => g.label)).toEqual(['this computer', 'lab · pid 42', 'lab · pid 43'])
    expect(new Set(series.map((g) => g.color)).size).toBe(3)
    const [local, lab, other] = series
    expect(local.drawn).toEqual(local.points)
    expect(other.drawn).toEqual(other.points)
    expect(lab.drawn.map((p) => [p.t, p.mean])).toEqual([
      [at(6), 1],
      [at(11), 1],
      [at(12), null],
      [at(20), null],
      [at(21), 1],
      [at(26), 1],
    ])
  })

  it('a device lost and not back yet has an open gap', () => {
    const gaps = deviceGaps([lost(30, { device: 'lab', target: 'pid 42', pid: 42 })])
    expect(gaps).toEqual([{ device: 'lab', target: 'pid 42', label: 'lab', start: at(30), end: null }])
  })
})
