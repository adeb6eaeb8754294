import { z } from 'zod'
import { weighting } from './measures'

/** The domain records shared by core, both transports and the renderer. Times are ms since the epoch. */

export const sessionStatus = z.enum(['running', 'completed', 'interrupted', 'failed'])
export type SessionStatus = z.infer<typeof sessionStatus>

export const sessionMeta = z.object({
  name: z.string().max(200).default(''),
  targetApp: z.string().max(200).default(''),
  appVersion: z.string().max(100).default(''),
  os: z.string().max(100).default(''),
  micMode: z.string().max(100).default(''),
  microphone: z.string().max(200).default(''),
  distanceCm: z.number().nonnegative().max(10_000).nullable().default(null),
  activity: z.string().max(100).default(''),
  episodes: z.array(z.string().max(4096)).max(1000).default([]),
  notes: z.string().max(100_000).default(''),
  profile: z.string().max(200).default(''),
  intervalS: z.number().positive().max(86_400).nullable().default(null),
  /**
   * dB added to the recorded levels (dB re digital full scale) to give sound pressure levels: the SPL that full
   * scale produces at the microphone. null: not calibrated, levels stay dBFS.
   */
  calibrationDb: z.number().min(-200).max(200).nullable().default(null),
})
export type SessionMeta = z.infer<typeof sessionMeta>
export type SessionMetaInput = z.input<typeof sessionMeta>
export type SessionMetaField = keyof SessionMeta

type Undefaulted<S extends z.ZodRawShape> = {
  [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer T> ? T : S[K]>
}

/**
 * An edit of a session's metadata: only the fields it names, validated, with no defaults. (zod fills a
 * default into a `.partial()` field that is absent, which would make an edit of the notes empty the rest.)
 */
export const sessionPatch = z
  .object(
    Object.fromEntries(
      Object.entries(sessionMeta.shape).map(([k, s]) => [k, s.unwrap().optional()]),
    ) as Undefaulted<typeof sessionMeta.shape>,
  )
  .strict()
export type SessionPatch = z.infer<typeof sessionPatch>

export const session = sessionMeta.extend({
  id: z.number().int(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  status: sessionStatus,
  statusReason: z.string().nullable(),
})
export type Session = z.infer<typeof session>

export const sessionSummary = session.extend({
  telemetryCount: z.number().int(),
  captureCount: z.number().int(),
  windowCount: z.number().int(),
})
export type SessionSummary = z.infer<typeof sessionSummary>

/** One decoded telemetry record; `fields` holds every field the profile extracted. */
export const telemetryRecord = z.object({
  t: z.number(),
  host: z.string().nullable(),
  path: z.string().nullable(),
  conn: z.string().nullable(),
  fields: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
  /**
   * Multi-device experiments: the device whose target sent it (a registry name, "local" for this computer,
   * or the plan's HOST:PORT) and that target's label. null/absent: the session's only target.
   */
  device: z.string().max(256).nullable().optional(),
  target: z.string().max(4096).nullable().optional(),
})
export type TelemetryRecord = z.infer<typeof telemetryRecord>

/**
 * A device's clock against this computer's, measured at a target's start by round trips over Frida's control
 * channel (the agent's `now`): the sample with the smallest round trip; offsetMs = device time − midpoint
 * (positive: the device is ahead; its timestamps are corrected by subtracting it), uncertaintyMs = half that
 * round trip.
 */
export const clockOffset = z.object({
  device: z.string().max(256),
  offsetMs: z.number(),
  uncertaintyMs: z.number().nonnegative(),
  samples: z.number().int().positive(),
  measuredAt: z.number(),
})
export type ClockOffset = z.infer<typeof clockOffset>

export const captureDir = z.enum(['out', 'in'])

/** A raw capture as exported: `{t, conn, fn, module, dir, peer, data}` with data in base64. */
export const captureLine = z.object({
  t: z.number(),
  conn: z.string(),
  fn: z.string(),
  module: z.string(),
  dir: captureDir,
  peer: z.string().nullable(),
  /** The process that made the call; absent in files from before multi-process capture. */
  pid: z.number().int().nullable().optional(),
  data: z.string(),
})
export type CaptureLine = z.infer<typeof captureLine>

export interface Capture {
  t: number
  conn: string
  fn: string
  module: string
  dir: 'out' | 'in'
  peer: string | null
  thread: number | null
  pid: number | null
  data: Uint8Array
}

/** Level statistics of the exact samples played over one wall-clock window (dB re full scale + calibration). */
export const levelWindow = z.object({
  startT: z.number(),
  endT: z.number(),
  weighting,
  leq: z.number().nullable(),
  lmax: z.number().nullable(),
  lmin: z.number().nullable(),
  peak: z.number().nullable(),
  powerDb: z.number().nullable(),
  episode: z.string().nullable(),
})
export type LevelWindow = z.infer<typeof levelWindow>

/**
 * Leq over the one second that starts at t (same weighting as the session's windows), and the largest and the
 * mean magnitude of its unweighted samples (0..1 of full scale), from which the paper's per-window measures are
 * worked out; sessions recorded before these were kept lack them.
 */
export const levelSecond = z.object({
  t: z.number(),
  level: z.number().nullable(),
  absMax: z.number().nonnegative().nullable().optional(),
  absMean: z.number().nonnegative().nullable().optional(),
})
export type LevelSecond = z.infer<typeof levelSecond>

/**
 * One second (starting at t, ms) of one process's reads through one audio-capture API: how often the app took
 * audio from the microphone and how loud what it took was. rmsDbfs/peakDbfs are null when the API does not
 * expose the sample format, or nothing was read.
 */
export const micAccessSecond = z.object({
  t: z.number().int(),
  pid: z.number().int(),
  api: z.string().min(1).max(100),
  reads: z.number().int().nonnegative(),
  frames: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  rmsDbfs: z.number().nullable(),
  peakDbfs: z.number().nullable(),
})
export type MicAccessSecond = z.infer<typeof micAccessSecond>

/** When the app was muted (ms); end null while it still is. */
export const muteInterval = z.object({ start: z.number().int(), end: z.number().int().nullable() })
export type MuteInterval = z.infer<typeof muteInterval>

export const sessionEventKind = z.enum([
  'attach',
  'detach',
  'hooks',
  'libraries',
  'tls-unseen',
  'agent-log',
  /** A lab device's process stopped answering (its link or machine is down): a gap in its series begins. */
  'device-lost',
  /** It answers again; the detail says the gap's start and length. */
  'device-back',
  'playback-start',
  'playback-stop',
  'playback-pause',
  'playback-resume',
  'error',
  'warning',
  'info',
])
export const sessionEvent = z.object({
  t: z.number(),
  kind: sessionEventKind,
  detail: z.unknown(),
})
export type SessionEvent = z.infer<typeof sessionEvent>
