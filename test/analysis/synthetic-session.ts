import { rmSync } from 'node:fs'
import { SessionStore } from '../../src/core/store/session-store'
import type {
  ClockOffset,
  LevelSecond,
  LevelWindow,
  SessionEvent,
  TelemetryRecord,
} from '../../src/shared/model'
import { tempDir } from '../support/helpers'

/** A deterministic PRNG (mulberry32) so synthetic sessions are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Per-second levels that hold a random level for 3 to 12 s, then jump: like episodes with quiet and loud scenes.
 * Each second's sample magnitudes follow its level: mean |x| 3 dB below it, the largest |x| 9 dB above it.
 */
export function steppedLevels(startT: number, count: number, random: () => number): LevelSecond[] {
  const out: LevelSecond[] = []
  let level = -40
  let hold = 0
  for (let i = 0; i < count; i++) {
    if (hold-- <= 0) {
      level = -60 + 40 * random()
      hold = 3 + Math.floor(10 * random())
    }
    const l = level + (random() - 0.5)
    out.push({ t: startT + i * 1000, level: l, absMax: 10 ** ((l + 9) / 20), absMean: 10 ** ((l - 3) / 20) })
  }
  return out
}

/** Reference energy mean over [from, to) by a plain scan of every second (the code under test searches). */
export function energyMean(seconds: readonly LevelSecond[], from: number, to: number): number {
  let energy = 0
  let covered = 0
  for (const s of seconds) {
    const overlap = Math.max(0, Math.min(s.t + 1000, to) - Math.max(s.t, from))
    energy += overlap * 10 ** ((s.level as number) / 10)
    covered += overlap
  }
  if (covered !== to - from) throw new Error(`levels do not cover [${from}, ${to})`)
  return 10 * Math.log10(energy / covered)
}

/** Windows of `intervalS` from playback start, with Leq from the seconds and a Fast max a little above it. */
export function fixedWindows(
  seconds: readonly LevelSecond[],
  startT: number,
  intervalS: number,
): LevelWindow[] {
  const out: LevelWindow[] = []
  const span = intervalS * 1000
  const end = seconds[seconds.length - 1].t + 1000
  for (let s = startT; s + span <= end; s += span) {
    const inside = seconds.filter((x) => x.t >= s && x.t < s + span).map((x) => x.level as number)
    out.push({
      startT: s,
      endT: s + span,
      weighting: 'A',
      leq: energyMean(seconds, s, s + span),
      lmax: Math.max(...inside) + 2,
      lmin: Math.min(...inside) - 2,
      peak: null,
      powerDb: null,
      episode: 'synthetic.wav',
    })
  }
  return out
}

/** A gain record as the Webex profile stores it. */
export function gainRecord(t: number, min: number, mean: number, max: number): TelemetryRecord {
  return {
    t,
    host: 'telemetry.example',
    path: '/metric/v1',
    conn: 'c1',
    fields: { audioMinGain: min, audioMeanGain: mean, audioMaxGain: max },
  }
}

export interface TempStore {
  store: SessionStore
  dir: string
  close(): void
}

/** A real on-disk SessionStore in a fresh temporary folder. */
export function tempStore(): TempStore {
  const dir = tempDir('mutescope-analysis-')
  const store = SessionStore.open({ dir })
  return {
    store,
    dir,
    close() {
      store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** When every synthetic session's playback starts. */
export const syntheticStartT = Date.UTC(2026, 0, 1, 12, 0, 0)

export interface SyntheticSession {
  id: number
  playbackStartT: number
  intervalS: number
  seconds: LevelSecond[]
  windows: LevelWindow[]
  records: TelemetryRecord[]
}

/**
 * Writes a session whose mean gain is an exact linear function of LAeq over the interval ending lagS before
 * each record: gain = 40 - 0.6 * LAeq (min and max a few dB around it, with the authors' integer rounding
 * only on min and max). Record timestamps fall between second boundaries on purpose.
 */
export function writeSyntheticSession(
  store: SessionStore,
  opts: {
    intervalS: number
    records: number
    lagS: number
    seed: number
    clockSkewS?: number
    intervalInMeta?: boolean
    /** Spread (dB) of uniform noise added to each mean gain (not min and max), so its r is no longer -1. */
    noiseDb?: number
    /** false: the seconds carry no sample magnitudes, as sessions recorded before they were kept. */
    magnitudes?: boolean
  },
): SyntheticSession {
  const random = rng(opts.seed)
  const playbackStartT = syntheticStartT
  const interval = opts.intervalS * 1000
  const margin = 2 * opts.intervalS + Math.abs(opts.lagS) + 5
  const seconds = steppedLevels(playbackStartT, opts.records * opts.intervalS + margin, random)
  const windows = fixedWindows(seconds, playbackStartT, opts.intervalS)
  const records: TelemetryRecord[] = []
  // The first record ends one interval plus the lag plus 0.4 s after playback start, so its span is all played.
  for (let k = 0; k < opts.records; k++) {
    const end = playbackStartT + opts.lagS * 1000 + 400 + (k + 1) * interval
    const leq = energyMean(seconds, end - opts.lagS * 1000 - interval, end - opts.lagS * 1000)
    const mean = 40 - 0.6 * leq
    const noise = (opts.noiseDb ?? 0) * (random() - 0.5)
    records.push(
      gainRecord(
        end + (opts.clockSkewS ?? 0) * 1000,
        Math.round(mean - 5),
        mean + noise,
        Math.round(mean + 4),
      ),
    )
  }
  const session = store.createSession(
    { name: 'synthetic', profile: 'webex', intervalS: opts.intervalInMeta === false ? null : opts.intervalS },
    playbackStartT - 5000,
  )
  store.appendLevelSeconds(
    session.id,
    opts.magnitudes === false ? seconds.map(({ t, level }) => ({ t, level })) : seconds,
  )
  store.appendLevelWindows(session.id, windows)
  store.appendTelemetry(session.id, records)
  store.appendEvents(session.id, [
    { t: playbackStartT, kind: 'playback-start', detail: { episode: 'synthetic.wav' } },
  ])
  store.finishSession(session.id, 'completed')
  return { id: session.id, playbackStartT, intervalS: opts.intervalS, seconds, windows, records }
}

/** A device of a synthetic multi-device session: its mean gain is intercept + slope × LAeq, plus noise. */
export interface SyntheticDevice {
  device: string
  target: string
  intercept: number
  slope: number
  /** Spread (dB) of uniform noise added to each mean gain (min and max stay 5 dB below and 4 above it). */
  noiseDb: number
  /** When it reports, against the end of each interval (ms). */
  delayMs: number
  /** The reports (by index) that its lost link swallowed. */
  lost?: readonly number[]
}

/** refvca on this computer, and an app on the lab device: the targets of the synthetic multi-device sessions. */
export const twoDevices = {
  local: { device: 'local', target: 'refvca', intercept: 40, slope: -0.6, noiseDb: 2, delayMs: 0 },
  lab: { device: 'lab', target: 'pid 42', intercept: 30, slope: -0.4, noiseDb: 2, delayMs: 200 },
} as const satisfies Record<string, SyntheticDevice>

/** The lab's app as its session events name it. */
export const labApp = { pid: 42, name: 'app', host: '127.0.0.1:27052', device: 'lab', target: 'pid 42' }

/** The run attaching to this computer's target, then to the lab's, before playback starts. */
export const attachedTwoDevices: SessionEvent[] = [
  {
    t: syntheticStartT - 3000,
    kind: 'attach',
    detail: { pid: 7, name: 'node', device: 'local', target: 'refvca' },
  },
  { t: syntheticStartT - 2000, kind: 'attach', detail: labApp },
]

/** The lab's link lost after its last answer at `since` (noticed 4 s on), and back `gapMs` after it. */
export function lostAndBack(since: number, gapMs: number): SessionEvent[] {
  return [
    { t: since + 4000, kind: 'device-lost', detail: { ...labApp, since, why: 'no answer for 4 s' } },
    { t: since + gapMs, kind: 'device-back', detail: { ...labApp, since, gapMs } },
  ]
}

/**
 * Writes a finished multi-device session as the runner leaves it: each device reporting gains every interval
 * over the LAeq of the interval just played, tagged with its device and target (untagged with `tagged`
 * false, as a one-target session), the playback's start, then `events` and `clocks`.
 */
export function writeMultiDeviceSession(
  store: SessionStore,
  opts: {
    seed: number
    intervalS: number
    reports: number
    devices: readonly SyntheticDevice[]
    events?: readonly SessionEvent[]
    clocks?: readonly ClockOffset[]
    tagged?: boolean
  },
): { id: number; records: TelemetryRecord[] } {
  const random = rng(opts.seed)
  const start = syntheticStartT
  const interval = opts.intervalS * 1000
  const seconds = steppedLevels(start, opts.reports * opts.intervalS + 20, random)
  const records: TelemetryRecord[] = []
  for (let k = 0; k < opts.reports; k++) {
    const end = start + 400 + (k + 1) * interval
    const leq = energyMean(seconds, end - interval, end)
    for (const d of opts.devices) {
      if (d.lost?.includes(k)) continue
      const mean = d.intercept + d.slope * leq + d.noiseDb * (random() - 0.5)
      const tag = opts.tagged === false ? {} : { device: d.device, target: d.target }
      records.push({ ...gainRecord(end + d.delayMs, mean - 5, mean, mean + 4), ...tag })
    }
  }
  const { id } = store.createSession(
    { name: 'multi-device', profile: 'webex', intervalS: opts.intervalS },
    start - 5000,
  )
  store.appendLevelSeconds(id, seconds)
  store.appendLevelWindows(id, fixedWindows(seconds, start, opts.intervalS))
  store.appendTelemetry(id, records)
  store.appendEvents(id, [
    { t: start, kind: 'playback-start', detail: { episode: 'synthetic.wav' } },
    ...(opts.events ?? []),
  ])
  for (const c of opts.clocks ?? []) store.putClockOffset(id, c)
  store.finishSession(id, 'completed')
  return { id, records }
}
