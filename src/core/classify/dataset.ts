import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { z } from 'zod'
import { setName } from '../../shared/contract/classify'
import type { Session } from '../../shared/model'
import { resolveInterval } from '../analysis/analyze'
import { UserError } from '../errors'
import { paperGainsFolder, referenceDir } from '../reference/location'
import type { SessionStore } from '../store/session-store'
import { parseGainsFile } from './gains-file'
import { AUTHORS_LABEL_MAPPING, labelOf, NUM_CLASSES, sessionLabel, type LabelRule } from './labels'

export type SetName = z.infer<typeof setName>
export const SET_NAMES = setName.options

/** One minute of telemetry: the three gains Webex reports, in the model's channel order. */
export type Gains = [max: number, mean: number, min: number]

/** One labelled recording: a clip of the authors' data or a session from the store. */
export interface Recording {
  /** The file (or session) it came from; windows never cross groups. */
  group: string
  /** The played clip (video or episode); the leakage-free split holds out the same part of it everywhere. */
  video: string
  label: number
  distanceCm: number | null
  minutes: Gains[]
}

export type Dataset = Record<SetName, Recording[]>

/** The authors' files per set (paper Sec. 5.3): new videos for development, old ones for evaluation. */
export const PAPER_FILES: Record<SetName, string[]> = {
  dev: ['new_data_10cm.txt', 'new_data_25cm.txt', 'new_data_50cm.txt'],
  eval1: ['old_data_10cm.txt', 'old_data_25cm.txt', 'old_data_50cm.txt'],
  eval2: ['old_data_100cm.txt'],
}

/** Reads the authors' seven files from `dir`; clips the mapping does not label are left out, as theirs were. */
export function loadPaperDataset(
  dir: string,
  mapping: readonly LabelRule[] = AUTHORS_LABEL_MAPPING,
): Dataset {
  const read = (file: string): Recording[] => {
    const path = join(dir, file)
    if (!existsSync(path)) {
      throw new UserError(
        `${path} is missing; choose the data folder that holds the authors' ${file} and its siblings`,
      )
    }
    const distance = /_(\d+)cm\.txt$/.exec(file)
    return parseGainsFile(readFileSync(path, 'utf8'), path).flatMap((b) => {
      const label = labelOf(b.video, mapping)
      if (label === null) return []
      const minutes = b.max.map((mx, i): Gains => [mx, b.mean[i], b.min[i]])
      return [
        { group: file, video: b.video, label, distanceCm: distance ? Number(distance[1]) : null, minutes },
      ]
    })
  }
  return {
    dev: PAPER_FILES.dev.flatMap(read),
    eval1: PAPER_FILES.eval1.flatMap(read),
    eval2: PAPER_FILES.eval2.flatMap(read),
  }
}

export interface DataSource {
  /** Folder holding the authors' seven files; defaults to paper-gains/ of the fetched reference data. */
  data?: string
  sessions?: number[]
  sessionsSet?: SetName
}

export function defaultPaperDir(): string {
  return join(referenceDir(), paperGainsFolder)
}

/** The authors' data plus any labelled sessions of the store, added to the set the caller names. */
export function loadDataset(
  src: DataSource,
  store?: SessionStore,
  mapping: readonly LabelRule[] = AUTHORS_LABEL_MAPPING,
): { dataset: Dataset; data: string } {
  const dir = src.data ?? defaultPaperDir()
  if (!existsSync(dir)) {
    throw new UserError(
      `no data folder ${dir}; fetch the authors' files (github.com/wi-pi/VCAMuteButton_PoPETS) with ` +
        '"mutescope data fetch", or choose the data folder that holds them',
    )
  }
  const dataset = loadPaperDataset(dir, mapping)
  const ids = src.sessions ?? []
  if (ids.length > 0) {
    if (!store) throw new Error('sessions were requested without a session store')
    dataset[src.sessionsSet ?? 'dev'].push(...ids.map((id) => sessionRecording(store, id, mapping)))
  }
  const data = ids.length > 0 ? `${dir} + sessions ${ids.join(',')} (${src.sessionsSet ?? 'dev'})` : dir
  return { dataset, data }
}

/** A session's gains records in time order; telemetry records without all three gains are not minutes. */
export function sessionGains(store: SessionStore, sessionId: number): { t: number; gains: Gains }[] {
  store.getSession(sessionId)
  return store.telemetry(sessionId).flatMap((r) => {
    const g = [r.fields.audioMaxGain, r.fields.audioMeanGain, r.fields.audioMinGain]
    return g.every((v) => typeof v === 'number' && Number.isFinite(v)) ? [{ t: r.t, gains: g as Gains }] : []
  })
}

/** Webex sends one gains record a minute, and the models learn from windows of n such minutes. */
const MINUTE_S = 60
/** An interval inferred from timestamps counts as a minute within this share of one (clocks jitter). */
const MINUTE_TOLERANCE = 0.1

/**
 * The session's telemetry interval (s, 3 significant digits) when it is not one minute, else null: n of its
 * records are then not the n minutes a model learns from (5-second records span 35 s at n=7). Null too when
 * no interval is stored and too few records tell one.
 */
export function nonMinuteInterval(session: Session, records: readonly { t: number }[]): number | null {
  let intervalS: number
  try {
    intervalS = resolveInterval(session, records)
  } catch {
    return null
  }
  return Math.abs(intervalS - MINUTE_S) <= MINUTE_S * MINUTE_TOLERANCE
    ? null
    : Number(intervalS.toPrecision(3))
}

/** A labelled session of the store as a recording (its activity label, distance and source episode). */
export function sessionRecording(
  store: SessionStore,
  sessionId: number,
  mapping: readonly LabelRule[] = AUTHORS_LABEL_MAPPING,
): Recording {
  const s = store.getSession(sessionId)
  if (s.activity.trim() === '') {
    throw new UserError(
      `session ${sessionId} has no activity label; set its activity before using it as data`,
    )
  }
  const records = sessionGains(store, sessionId)
  const intervalS = nonMinuteInterval(s, records)
  if (intervalS !== null)
    throw new UserError(
      `session ${sessionId} has a gains record every ${intervalS} s, but the classifier learns from one record ` +
        "a minute (Webex's interval); use sessions recorded with a 60 s telemetry interval as data",
      'not_minutes',
    )
  return {
    group: `session ${sessionId}`,
    video: s.episodes[0] ?? `session ${sessionId}`,
    label: sessionLabel(s.activity, mapping),
    distanceCm: s.distanceCm,
    minutes: records.map((r) => r.gains),
  }
}

/** Windows of n consecutive minutes, flattened minute-major: x[i*n*3 + t*3 + channel]. */
export interface Windows {
  n: number
  count: number
  x: Float32Array
  y: Int32Array
  /** For minute t of window i: index of its recording (recMinute[2*(i*n+t)]) and its minute in it (+1). */
  recMinute: Int32Array
}

/**
 * Stride-1 windows over each class's minutes within one group, joined end to end as the authors did
 * (so a window may span two consecutive clips of the same class in one file).
 */
export function makeWindows(recordings: readonly Recording[], n: number): Windows {
  const x: number[] = []
  const y: number[] = []
  const refs: number[] = []
  const streams = new Map<string, { label: number; minutes: [rec: number, minute: number][] }>()
  recordings.forEach((r, ri) => {
    const key = `${r.group}\u0000${r.label}`
    const s = streams.get(key) ?? { label: r.label, minutes: [] }
    streams.set(key, s)
    r.minutes.forEach((_, mi) => s.minutes.push([ri, mi]))
  })
  for (const { label, minutes } of streams.values()) {
    for (let start = 0; start + n <= minutes.length; start++) {
      for (let t = 0; t < n; t++) {
        const [ri, mi] = minutes[start + t]
        x.push(...recordings[ri].minutes[mi])
        refs.push(ri, mi)
      }
      y.push(label)
    }
  }
  return {
    n,
    count: y.length,
    x: Float32Array.from(x),
    y: Int32Array.from(y),
    recMinute: Int32Array.from(refs),
  }
}

/** The recordings that yield no window of n minutes (too short), so callers can say why data is missing. */
export function tooShort(recordings: readonly Recording[], n: number): Recording[] {
  return recordings.filter((r) => r.minutes.length < n)
}

export interface SummaryRow {
  set: SetName
  /** Minutes per class index, then clips (windows) per class index. */
  minutes: number[]
  clips: number[]
  recordings: number[]
}

/** The paper's Table 3: minutes and clips (windows of n) per class and set. */
export function summarize(data: Dataset, n: number): SummaryRow[] {
  return SET_NAMES.map((set) => {
    const minutes = new Array<number>(NUM_CLASSES).fill(0)
    const recordings = new Array<number>(NUM_CLASSES).fill(0)
    for (const r of data[set]) {
      minutes[r.label] += r.minutes.length
      recordings[r.label]++
    }
    const clips = new Array<number>(NUM_CLASSES).fill(0)
    for (const label of makeWindows(data[set], n).y) clips[label]++
    return { set, minutes, clips, recordings }
  })
}
