import { z } from 'zod'
import {
  captureLine,
  clockOffset,
  levelSecond,
  levelWindow,
  micAccessSecond,
  sessionPatch,
  sessionStatus,
  telemetryRecord,
} from '../model'
import { backendChoice, fridaHost } from './capture'
import { request } from './define'
import { localDeviceName } from './devices'
import { labPlayback } from './lab-link'

export const experimentTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('refvca') }).strict(),
  z.object({ kind: z.literal('pid'), pid: z.number().int().positive() }).strict(),
  z.object({ kind: z.literal('name'), name: z.string().min(1).max(256) }).strict(),
  z.object({ kind: z.literal('spawn'), command: z.string().min(1).max(4096) }).strict(),
])
export type ExperimentTarget = z.infer<typeof experimentTarget>

/**
 * refvca's microphone modes, as conferencing apps name theirs: music passes the signal as it is; noise-removal
 * runs a documented suppression model (src/core/refvca/noise-suppression.ts) before the gain statistics.
 */
export const refvcaMode = z.enum(['music', 'noise-removal'])
export type RefvcaMode = z.infer<typeof refvcaMode>
export const refvcaOptions = z.object({ mode: refvcaMode.default('music') }).strict()
export type RefvcaOptions = z.infer<typeof refvcaOptions>

/** Why an additional target cannot be refvca. */
export const refvcaOnlyFirst =
  'refvca runs only as the plan’s own target; on a lab machine, give the refvca started there by pid or name'

/** Additional targets of one run at most (the plan's own target comes on top). */
export const maxExtraTargets = 16

/**
 * One more target of a multi-device experiment, captured in the same run from the same playback: an app on
 * a registered device ("mutescope devices list"; "local" is this computer). refvca is started only on this
 * computer, as the plan's own target: on a lab machine, name the refvca started there (pid or name).
 */
export const deviceTarget = z
  .object({
    device: z
      .string()
      .min(1)
      .max(64)
      .describe(`a registered device's name, or "${localDeviceName}" for this computer`),
    target: experimentTarget,
  })
  .strict()
  .refine((t) => t.target.kind !== 'refvca', { message: refvcaOnlyFirst, path: ['target'] })
export type DeviceTarget = z.infer<typeof deviceTarget>

/** How a device and target are labelled in telemetry records, events and analysis: "lab" + "pid 42". */
export function targetLabel(t: ExperimentTarget): string {
  return t.kind === 'refvca'
    ? 'refvca'
    : t.kind === 'pid'
      ? `pid ${t.pid}`
      : t.kind === 'name'
        ? t.name
        : t.command
}

/** Everything an experiment run needs; the CLI's `run` and the UI's wizard both build one. */
export const experimentPlan = z
  .object({
    target: experimentTarget,
    /** A remote frida-server HOST:PORT; null for this computer. */
    host: fridaHost,
    backend: backendChoice.default('auto'),
    profile: z.string().min(1).max(4096).default('webex'),
    episodes: z.array(z.string().min(1).max(4096)).min(1, 'choose at least one episode').max(1000),
    /** A playback device by name; null sets up (or reuses) MuteScope's virtual microphone. */
    outputDevice: z.string().max(512).nullable().default(null),
    /** Play into a lab machine's virtual microphone instead, through the portal device it links to. */
    playback: labPlayback.optional(),
    loop: z.boolean().default(false),
    /** Also record the packets and TLS secrets to prove the telemetry left the machine (local captures only). */
    egress: z.boolean().optional(),
    durationS: z
      .number()
      .positive()
      .max(7 * 86_400)
      .nullable()
      .default(null),
    /** Telemetry interval in seconds: refvca's sending interval and the profile's interval for alignment. */
    intervalS: z.number().positive().max(86_400).nullable().default(null),
    /** Only the fields given: one left out takes its default when the session is made (calibration: Settings'). */
    meta: sessionPatch.omit({ episodes: true, profile: true, intervalS: true }).default({}),
    /** The reference app's options, when the target is refvca. */
    refvca: refvcaOptions.optional(),
    /** Also record the mic-access lane: what the app reads from the microphone, per second, process and API. */
    micAccess: z.boolean().optional(),
    /** The app is muted for the whole run: one muted interval from the session's start to its end. */
    muted: z.boolean().optional(),
    /**
     * Multi-device: more targets captured in the same run, each on its device, from the one playback; their
     * telemetry is tagged with device and target. `target` stays the first (on `host`, or this computer).
     */
    targets: z.array(deviceTarget).max(maxExtraTargets).optional(),
  })
  .strict()
export type ExperimentPlan = z.infer<typeof experimentPlan>
export type ExperimentPlanInput = z.input<typeof experimentPlan>

export const experimentPhase = z.enum(['idle', 'starting', 'running', 'stopping'])

export const hookInfo = z.object({ fn: z.string(), module: z.string() })

/** One process of the target application, as the capture sees it. */
export const processStatus = z.object({
  pid: z.number().int(),
  name: z.string(),
  status: z.enum(['attached', 'exited']),
  /** TLS libraries found in it and how each is reached, e.g. "boringssl in chromium (pattern)". */
  tls: z.array(z.string()),
})

/** One target of a multi-device run as it goes: its series is `lost` (a gap) while its device is unreachable. */
export const targetStatus = z.object({
  /** "local", a registry name, or the plan's HOST:PORT for its own target. */
  device: z.string(),
  target: z.string(),
  status: z.enum(['starting', 'capturing', 'lost', 'ended']),
  telemetry: z.number().int(),
  clock: clockOffset.nullable(),
})
export type TargetStatus = z.infer<typeof targetStatus>

export const experimentState = z.object({
  phase: experimentPhase,
  sessionId: z.number().int().nullable(),
  startedAt: z.number().nullable(),
  plan: experimentPlan.nullable(),
  targetPid: z.number().int().nullable(),
  processes: z.array(processStatus),
  hooks: z.array(hookInfo),
  captures: z.number().int(),
  captureBytes: z.number().int(),
  telemetry: z.number().int(),
  windows: z.number().int(),
  /** Whether the app is muted now (a muted interval of the session is open). */
  muted: z.boolean(),
  /** Multi-device runs: every target, the plan's own first; absent for a run with one target. */
  targets: z.array(targetStatus).optional(),
  progress: z
    .object({
      episode: z.string(),
      index: z.number().int(),
      positionS: z.number(),
      durationS: z.number().nullable(),
      paused: z.boolean(),
    })
    .nullable(),
  lastError: z.string().nullable(),
  /** The last finished run's outcome, so the UI can say how it ended. */
  finished: z
    .object({ sessionId: z.number().int(), status: sessionStatus, reason: z.string().nullable() })
    .nullable(),
})
export type ExperimentState = z.infer<typeof experimentState>

/** Live stream of a running experiment: every stored row as it is written, and state changes. */
export const experimentEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('state'), state: experimentState }),
  z.object({ type: z.literal('telemetry'), sessionId: z.number().int(), record: telemetryRecord }),
  z.object({ type: z.literal('window'), sessionId: z.number().int(), window: levelWindow }),
  z.object({ type: z.literal('second'), sessionId: z.number().int(), second: levelSecond }),
  /** Seconds of the mic-access lane as they are recorded, with whether the app was muted then. */
  z.object({
    type: z.literal('micAccess'),
    sessionId: z.number().int(),
    seconds: z.array(micAccessSecond).max(1000),
    muted: z.boolean(),
  }),
  /** Multi-device runs: a device's series stops (lost: a gap begins at `since`) or resumes (back, after gapMs). */
  z.object({
    type: z.literal('device'),
    sessionId: z.number().int(),
    device: z.string(),
    target: z.string(),
    status: z.enum(['lost', 'back']),
    since: z.number(),
    gapMs: z.number().nullable(),
  }),
  z.object({
    type: z.literal('log'),
    sessionId: z.number().int().nullable(),
    level: z.enum(['info', 'warning', 'error']),
    message: z.string(),
    t: z.number(),
  }),
])
export type ExperimentEvent = z.infer<typeof experimentEvent>

const empty = z.object({}).strict()

export const captureView = captureLine.omit({ data: true }).extend({
  index: z.number().int(),
  size: z.number().int(),
  /** First bytes, base64, for the hex view. */
  head: z.string(),
  /** What the generic profile decodes from the capture (numeric fields by JSON path), when it parses. */
  decoded: z.unknown(),
})
export type CaptureView = z.infer<typeof captureView>

export const experimentRequests = {
  experimentState: request('The running experiment, if any', empty, experimentState),
  startExperiment: request('Starts an experiment run and its session', experimentPlan, experimentState),
  stopExperiment: request('Stops the running experiment; its session ends completed', empty, experimentState),
  pauseExperiment: request(
    'Pauses or resumes playback',
    z.object({ paused: z.boolean() }).strict(),
    experimentState,
  ),
  muteExperiment: request(
    'Mutes or unmutes the app under test now: opens or closes a muted interval of the running session',
    z.object({ muted: z.boolean() }).strict(),
    experimentState,
  ),
  demoPlan: request(
    'The demo experiment: refvca, the shipped episode, 5 s intervals, the mic-access lane',
    empty,
    experimentPlan,
  ),
  listCaptures: request(
    'Raw captures of a session for the inspector, newest last',
    z
      .object({
        sessionId: z.number().int().positive(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    z.object({ total: z.number().int(), captures: z.array(captureView) }),
  ),
}

export const experimentEvents = {
  experimentEvent,
}
