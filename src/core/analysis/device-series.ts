import { z } from 'zod'
import {
  gainName,
  type AlignedPair,
  type AnalysisResult,
  type DeviceSeries,
  type LevelStats,
  type SeriesKey,
} from '../../shared/contract/analysis'
import type { ClockOffset, SessionEvent, TelemetryRecord } from '../../shared/model'
import { fisherZTest } from './stats'

/** The device and target a multi-device run wrote into its records' and events' rows. */
const tagged = z.object({ device: z.string().max(256), target: z.string().max(4096).nullable() })
const lostDetail = tagged.extend({ since: z.number() })
const backDetail = lostDetail.extend({ gapMs: z.number().nonnegative() })

const keyOf = (k: SeriesKey) => JSON.stringify([k.device, k.target])

/** Where a series' device was unreachable, from its device-lost and device-back events, in order. */
function gapsOf(key: SeriesKey, events: readonly SessionEvent[]): DeviceSeries['gaps'] {
  const gaps: DeviceSeries['gaps'] = []
  const mine = (d: SeriesKey) => keyOf(d) === keyOf(key)
  for (const e of events) {
    const open = gaps.at(-1)?.endT === null ? gaps.at(-1) : undefined
    if (e.kind === 'device-lost') {
      const d = lostDetail.safeParse(e.detail)
      // Several processes of one device are lost together: one gap.
      if (d.success && mine(d.data) && !open) gaps.push({ startT: d.data.since, endT: null })
    } else if (e.kind === 'device-back') {
      const d = backDetail.safeParse(e.detail)
      if (d.success && mine(d.data) && open) open.endT = d.data.since + d.data.gapMs
    }
  }
  return gaps
}

/**
 * A multi-device session's series, one per device and target, in the order the run attached them (the plan's
 * own target first), each aligned and correlated as the whole session is (`pairsOf`, `statsOf`), and every two
 * series compared per gain by Fisher's z test. Nothing for a session whose records carry no device.
 */
export function seriesByDevice(
  records: readonly TelemetryRecord[],
  pairsOf: (records: TelemetryRecord[]) => AlignedPair[],
  statsOf: (pairs: AlignedPair[]) => LevelStats,
  events: readonly SessionEvent[],
  clocks: readonly ClockOffset[],
): Pick<AnalysisResult, 'devices' | 'deviceDifferences'> {
  if (!records.some((r) => r.device != null)) return {}
  const keys = new Map<string, SeriesKey>()
  const add = (k: SeriesKey) => keys.set(keyOf(k), keys.get(keyOf(k)) ?? k)
  for (const e of events) {
    const d = e.kind === 'attach' ? tagged.safeParse(e.detail) : null
    if (d?.success) add({ device: d.data.device, target: d.data.target })
  }
  const byKey = new Map<string, TelemetryRecord[]>()
  for (const r of records) {
    const key = { device: r.device ?? 'local', target: r.target ?? null }
    add(key)
    const list = byKey.get(keyOf(key))
    if (list) list.push(r)
    else byKey.set(keyOf(key), [r])
  }
  const devices: DeviceSeries[] = [...keys.values()].map((key) => {
    const own = byKey.get(keyOf(key)) ?? []
    const pairs = pairsOf(own)
    const clock = clocks.find((c) => c.device === key.device)
    return {
      ...key,
      records: own.length,
      pairs,
      laeq: statsOf(pairs),
      clock: clock
        ? { offsetMs: clock.offsetMs, uncertaintyMs: clock.uncertaintyMs, samples: clock.samples }
        : null,
      gaps: gapsOf(key, events),
    }
  })
  const deviceDifferences = devices.flatMap((a, i) =>
    devices.slice(i + 1).flatMap((b) =>
      gainName.options.map((gain) => {
        const ra = a.laeq.pearson[gain]
        const rb = b.laeq.pearson[gain]
        const test = ra && rb ? fisherZTest(ra, rb) : null
        return {
          a: { device: a.device, target: a.target },
          b: { device: b.device, target: b.target },
          gain,
          z: test?.z ?? null,
          p: test?.p ?? null,
        }
      }),
    ),
  )
  return { devices, deviceDifferences }
}
