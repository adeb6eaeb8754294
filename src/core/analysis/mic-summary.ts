import type { MicStream, MutedReads } from '../../shared/contract/mic-review'
import type { MicAccessSecond, MuteInterval, SessionEvent } from '../../shared/model'
import { firstIndex } from './first-index'

/** The process names the session's attach events recorded, by pid. */
export function processNames(events: readonly SessionEvent[]): Map<number, string> {
  const names = new Map<number, string>()
  for (const e of events) {
    if (e.kind !== 'attach') continue
    const d = e.detail as { pid?: unknown; name?: unknown } | null
    if (typeof d?.pid === 'number' && typeof d.name === 'string' && d.name) names.set(d.pid, d.name)
  }
  return names
}

/** The lane's rows by process and API, in order of pid and API name; rows keep their time order. */
export function byStream(
  rows: readonly MicAccessSecond[],
  names: ReadonlyMap<number, string>,
): { stream: MicStream; rows: MicAccessSecond[] }[] {
  const groups = new Map<string, { stream: MicStream; rows: MicAccessSecond[] }>()
  for (const r of rows) {
    const key = `${r.pid}\u0000${r.api}`
    let g = groups.get(key)
    if (!g)
      groups.set(key, (g = { stream: { pid: r.pid, api: r.api, name: names.get(r.pid) ?? null }, rows: [] }))
    g.rows.push(r)
  }
  return [...groups.values()].sort(
    (a, b) => a.stream.pid - b.stream.pid || a.stream.api.localeCompare(b.stream.api),
  )
}

/**
 * Whether the app was muted during the lane second starting at t: its middle lies in a muted interval (an
 * interval still open lasts until now). Intervals are in order and apart, as the store keeps them.
 */
export function mutedAt(intervals: readonly MuteInterval[], t: number): boolean {
  const mid = t + 500
  const i = intervals[firstIndex(intervals, (m) => m.start > mid) - 1]
  return i !== undefined && (i.end === null || mid < i.end)
}

/** Energy mean of levels in dB, each weighted (by the frames it stands for). */
function energyMean(values: readonly { db: number; weight: number }[]): number | null {
  let energy = 0
  let weight = 0
  for (const v of values) {
    energy += v.weight * 10 ** (v.db / 10)
    weight += v.weight
  }
  return weight > 0 && energy > 0 ? 10 * Math.log10(energy / weight) : null
}

/** dBFS as the issue writes it, with a true minus sign: "−31.2". */
export function dbfs(v: number): string {
  return `${v < 0 ? '\u2212' : ''}${Math.abs(v).toFixed(1)}`
}

/** "parec (pid 4242) via pa_stream_peek: in 60 s muted, the app read 58 s of audio from the microphone (…)". */
export function mutedSentence(m: Omit<MutedReads, 'sentence'>): string {
  const who = `${m.name ?? 'process'} (pid ${m.pid}) via ${m.api}`
  const rms =
    m.rmsDbfs !== null
      ? `RMS ${dbfs(m.rmsDbfs)} dBFS`
      : m.readS === 0
        ? 'no RMS (nothing was read)'
        : 'RMS unknown (the API does not give the sample format)'
  return (
    `${who}: in ${Math.round(m.mutedS)} s muted, the app read ${m.readS} s of audio from the microphone ` +
    `(${m.readsPerS.toFixed(1)} reads/s), ${rms}`
  )
}

/**
 * What each process read through each API while the app was muted. A second of the lane counts when its
 * middle lies in a muted interval; "N s of audio" are the muted seconds in which it read at least once, the
 * reads/s are counted over those seconds, and the RMS is the energy mean of theirs, weighted by the frames
 * each second read. Every process and API of the lane gets a line, so one that read nothing says 0 s.
 */
export function mutedReads(
  rows: readonly MicAccessSecond[],
  intervals: readonly MuteInterval[],
  names: ReadonlyMap<number, string>,
  now = Date.now(),
): MutedReads[] {
  if (intervals.length === 0) return []
  const mutedS = intervals.reduce((s, i) => s + Math.max(0, (i.end ?? now) - i.start), 0) / 1000
  return byStream(rows, names).map(({ stream, rows: own }) => {
    const read = own.filter((r) => r.reads > 0 && mutedAt(intervals, r.t))
    const reads = read.reduce((s, r) => s + r.reads, 0)
    const levels = read.flatMap((r) =>
      r.rmsDbfs === null ? [] : [{ db: r.rmsDbfs, weight: Math.max(r.frames, 1) }],
    )
    const peak = read.reduce<number | null>(
      (p, r) => (r.peakDbfs !== null && (p === null || r.peakDbfs > p) ? r.peakDbfs : p),
      null,
    )
    const m = {
      ...stream,
      mutedS,
      readS: read.length,
      reads,
      readsPerS: read.length > 0 ? reads / read.length : 0,
      rmsDbfs: energyMean(levels),
      peakDbfs: peak,
    }
    return { ...m, sentence: mutedSentence(m) }
  })
}
