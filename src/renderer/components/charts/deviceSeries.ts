import { localDeviceName } from '../../../shared/contract/devices'
import type { SessionEvent, TelemetryRecord } from '../../../shared/model'
import { groupColors, levelColor } from './format'

/** One report's gains (dB); null where the report lacks one, and at a gap, where the line must break. */
export interface GainPoint {
  t: number
  min: number | null
  mean: number | null
  max: number | null
}

/** The gains of one device's target over time. */
export interface GainSeries {
  key: string
  /** "local" (this computer, also for untagged records), a registry name, or HOST:PORT. */
  device: string
  target: string | null
  /** "this computer", the device's name, and the target's when a device has several. */
  label: string
  color: string
  /** The reports in time order. */
  points: GainPoint[]
  /** The same with a gainless point at each edge of the device's gaps, so that no line crosses one. */
  drawn: GainPoint[]
}

/** A span in which a device did not answer: from its last answer to its next (end null: not back yet). */
export interface DeviceGap {
  device: string
  /** The target whose process was lost; null: all of the device's. */
  target: string | null
  label: string
  start: number
  end: number | null
}

export const thisComputer = 'this computer'

/** Series colours: the comparison groups' palette, less the played level's colour. */
const seriesColors = groupColors.filter((c) => c !== levelColor)

export const deviceLabel = (device: string) => (device === localDeviceName ? thisComputer : device)

function gain(r: TelemetryRecord, key: string): number | null {
  const v = r.fields[key]
  return typeof v === 'number' ? v : null
}

/** The key of a device's target's series, as the analysis's series are matched to the plot's. */
export const seriesKeyOf = (device: string, target: string | null) => JSON.stringify([device, target])

/** The devices in the order their series are drawn: this computer first, then by name. */
function byDevice(a: string, b: string): number {
  if (a === b) return 0
  if (a === localDeviceName) return -1
  if (b === localDeviceName) return 1
  return a.localeCompare(b)
}

/** Whether a gap breaks a series: the same device, and the same target unless the gap names none. */
export const isGapOf = (x: DeviceGap, g: { device: string; target: string | null }) =>
  x.device === g.device && (x.target === null || x.target === g.target)

/**
 * The gains of a session grouped by device and target (records without a device are this computer's), each
 * group its own colour, its line broken at the device's gaps. A single-device session is one series.
 */
export function gainSeries(telemetry: readonly TelemetryRecord[], gaps: readonly DeviceGap[]): GainSeries[] {
  const groups = new Map<string, { device: string; target: string | null; points: GainPoint[] }>()
  for (const r of telemetry) {
    const device = r.device ?? localDeviceName
    const target = r.target ?? null
    const key = seriesKeyOf(device, target)
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { device, target, points: [] }))
    g.points.push({
      t: r.t,
      min: gain(r, 'audioMinGain'),
      mean: gain(r, 'audioMeanGain'),
      max: gain(r, 'audioMaxGain'),
    })
  }
  const sorted = [...groups.values()].sort(
    (a, b) => byDevice(a.device, b.device) || (a.target ?? '').localeCompare(b.target ?? ''),
  )
  const targetsOf = (device: string) => sorted.filter((g) => g.device === device).length
  return sorted.map((g, i) => {
    const points = g.points.sort((a, b) => a.t - b.t)
    // A session of one series had one device: its gaps are that series' whatever they name.
    const mine = sorted.length === 1 ? gaps : gaps.filter((x) => isGapOf(x, g))
    const breaks = mine.flatMap((x) => (x.end === null ? [x.start] : [x.start, x.end]))
    const drawn = [...points, ...breaks.map((t) => ({ t, min: null, mean: null, max: null }))].sort(
      (a, b) => a.t - b.t,
    )
    const label =
      targetsOf(g.device) > 1 && g.target ? `${deviceLabel(g.device)} · ${g.target}` : deviceLabel(g.device)
    return {
      key: seriesKeyOf(g.device, g.target),
      device: g.device,
      target: g.target,
      label,
      color: seriesColors[i % seriesColors.length],
      points,
      drawn,
    }
  })
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null)

type Span = Omit<DeviceGap, 'label'>

/**
 * The spans in which each device was lost, from the session's device-lost and device-back events: a gap starts
 * at the device's last answer (`since`) and ends when it answers again; one not back yet stays open.
 * Overlapping gaps of one target (several of its processes lost at once) are one.
 */
export function deviceGaps(events: readonly SessionEvent[]): DeviceGap[] {
  const open = new Map<string, Span>()
  const spans: Span[] = []
  for (const e of events) {
    if (e.kind !== 'device-lost' && e.kind !== 'device-back') continue
    const d = (e.detail ?? {}) as Record<string, unknown>
    // Sessions captured before devices were tagged name the frida-server or portal by its address only.
    const device = text(d.device) ?? text(d.host) ?? localDeviceName
    const target = text(d.target)
    const since = num(d.since) ?? e.t
    // A device's processes are lost and back one by one.
    const who = JSON.stringify([device, target, d.pid ?? null])
    if (e.kind === 'device-lost') {
      if (!open.has(who)) open.set(who, { device, target, start: since, end: null })
      continue
    }
    const gapMs = num(d.gapMs)
    spans.push({
      device,
      target,
      start: open.get(who)?.start ?? since,
      end: gapMs === null ? e.t : since + gapMs,
    })
    open.delete(who)
  }
  return mergeGaps([...spans, ...open.values()]).map((s) => ({ ...s, label: deviceLabel(s.device) }))
}

function mergeGaps(spans: readonly Span[]): Span[] {
  const merged: Span[] = []
  const sorted = [...spans].sort(
    (a, b) =>
      byDevice(a.device, b.device) || (a.target ?? '').localeCompare(b.target ?? '') || a.start - b.start,
  )
  for (const s of sorted) {
    const last = merged[merged.length - 1]
    if (
      last &&
      last.device === s.device &&
      last.target === s.target &&
      (last.end === null || s.start <= last.end)
    )
      last.end = last.end === null || s.end === null ? null : Math.max(last.end, s.end)
    else merged.push({ ...s })
  }
  return merged.sort((a, b) => a.start - b.start)
}
