import { rmSync } from 'node:fs'
import { SessionStore } from '../../src/core/store/session-store'
import type { LevelSecond, LevelWindow, TelemetryRecord } from '../../src/shared/model'
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
  const playbackStartT = Date.UTC(2026, 0, 1, 12, 0, 0)
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
