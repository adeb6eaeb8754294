import { z } from 'zod'
import { sessionPatch } from '../model'
import { backendChoice, fridaHost } from './capture'
import { request } from './define'
import { deviceTarget, maxExtraTargets, refvcaOnlyFirst, refvcaOptions } from './experiment'
import { labPlayback } from './lab-link'

/** Why refvca cannot be audited with a lab machine's playback. */
export const refvcaPlaysHere =
  'refvca listens to this computer’s virtual microphone: play here, or audit an app on the lab machine'

/** Runs one plan may hold (conditions × episodes × repeats): a week of one-minute runs, and then some. */
export const maxPlanRuns = 10_000

/** "refvca", a pid, a process name, or a command MuteScope starts: the forms `mutescope run --target` knows. */
export const planTarget = z.union([
  z.literal('refvca'),
  z.number().int().positive(),
  z
    .string()
    .trim()
    .min(1, 'name the app to audit: "refvca", a pid, a process name or {"spawn": "CMD"}')
    .max(256),
  z.object({ spawn: z.string().trim().min(1).max(4096) }).strict(),
])
export type PlanTarget = z.infer<typeof planTarget>

/** One more target of every run, on a registered device: `{"device": "lab", "target": 4242}`. */
export const planDeviceTarget = z
  .object({ device: deviceTarget.shape.device, target: planTarget })
  .strict()
  .refine((t) => t.target !== 'refvca', { message: refvcaOnlyFirst, path: ['target'] })

/** Session metadata a condition sets (the run's episodes, profile and interval come from the plan). */
export const conditionMeta = sessionPatch.omit({ episodes: true, profile: true, intervalS: true })

export const planCondition = z
  .object({
    meta: conditionMeta.default({}),
    /** The reference app's options for this condition (target refvca only). */
    refvca: refvcaOptions.optional(),
    /** The app is muted throughout this condition's runs (muted against unmuted is a condition of its own). */
    muted: z.boolean().optional(),
    /** Shown before the condition's runs, which wait until the researcher continues (e.g. "switch to music mode"). */
    instruction: z.string().trim().min(1).max(2000).optional(),
  })
  .strict()
export type PlanCondition = z.infer<typeof planCondition>

/** "micMode music, distanceCm 25": how sessions and the UI name a condition. */
export function conditionLabel(c: PlanCondition, index: number): string {
  const parts = Object.entries(c.meta)
    .filter(([k, v]) => k !== 'name' && k !== 'notes' && v !== null && v !== '')
    .map(([k, v]) => `${k} ${String(v)}`)
  if (c.refvca) parts.push(`refvca ${c.refvca.mode}`)
  if (c.muted !== undefined) parts.push(c.muted ? 'muted' : 'unmuted')
  return parts.join(', ') || `condition ${index + 1}`
}

const seconds = z.number().positive().max(86_400)

/** An experiment plan as a researcher writes it (JSON file or the wizard): every condition × episode × repeat is one run. */
export const planSpec = z
  .object({
    name: z.string().trim().min(1, 'give the plan a name').max(200),
    target: planTarget,
    episodes: z.array(z.string().trim().min(1).max(4096)).min(1, 'list at least one episode').max(1000),
    /** Telemetry interval; the profile's when absent. */
    intervalS: seconds.optional(),
    /** Each run stops after this long; absent: when its episode ends. */
    durationS: seconds.optional(),
    repeats: z.number().int().min(1).max(1000).default(1),
    conditions: z.array(planCondition).min(1, 'add at least one condition').max(100),
    profile: z.string().min(1).max(4096).default('webex'),
    backend: backendChoice.default('auto'),
    host: fridaHost,
    /** A playback device by name; absent: MuteScope's virtual microphone. */
    outputDevice: z.string().min(1).max(512).optional(),
    /** Play into a lab machine's virtual microphone instead, through the portal it links to. */
    playback: labPlayback.optional(),
    /** Record the mic-access lane (what the app read from the microphone) in every run. */
    micAccess: z.boolean().optional(),
    /** Multi-device: more targets captured in every run from the same playback, each on its device. */
    targets: z.array(planDeviceTarget).max(maxExtraTargets).optional(),
  })
  .strict()
  .refine((p) => p.conditions.length * p.episodes.length * p.repeats <= maxPlanRuns, {
    message: `a plan holds at most ${maxPlanRuns} runs (conditions × episodes × repeats); split it`,
    path: ['repeats'],
  })
  .refine((p) => p.target === 'refvca' || p.conditions.every((c) => !c.refvca), {
    message: 'refvca options apply only when the target is "refvca"',
    path: ['conditions'],
  })
  .refine((p) => !(p.outputDevice && p.playback), {
    message: 'play on this computer (outputDevice) or on a lab machine (playback), not both',
    path: ['playback'],
  })
  .refine((p) => p.target !== 'refvca' || !p.playback, { message: refvcaPlaysHere, path: ['playback'] })
export type PlanSpec = z.infer<typeof planSpec>
export type PlanSpecInput = z.input<typeof planSpec>

export const planRunStatus = z.enum(['pending', 'running', 'completed', 'interrupted', 'failed'])
export type PlanRunStatus = z.infer<typeof planRunStatus>

export const planRun = z.object({
  /** 1-based position in the queue. */
  run: z.number().int(),
  condition: z.number().int(),
  /** 1-based. */
  repeat: z.number().int(),
  episode: z.string(),
  sessionId: z.number().int().nullable(),
  status: planRunStatus,
  reason: z.string().nullable(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
})
export type PlanRun = z.infer<typeof planRun>

export const planStatus = z.enum(['running', 'waiting', 'completed', 'stopped', 'interrupted'])
export type PlanStatus = z.infer<typeof planStatus>

export const planRecord = z.object({
  planId: z.number().int(),
  name: z.string(),
  status: planStatus,
  reason: z.string().nullable(),
  createdAt: z.number(),
  endedAt: z.number().nullable(),
  spec: planSpec,
  runs: z.array(planRun),
  /** Runs that ended (completed or failed). */
  done: z.number().int(),
  total: z.number().int(),
  /** Seconds until the queue is through, from the episodes' lengths and the runs so far; null when not running. */
  etaS: z.number().nullable(),
  /** The instruction the plan waits on, until continuePlan. */
  waiting: z.object({ condition: z.number().int(), instruction: z.string() }).nullable(),
})
export type PlanRecord = z.infer<typeof planRecord>

export const planSummary = planRecord.omit({ spec: true, runs: true })
export type PlanSummary = z.infer<typeof planSummary>

export const planEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('plan'), plan: planRecord }),
  z.object({
    type: z.literal('run'),
    planId: z.number().int(),
    run: z.number().int(),
    sessionId: z.number().int().nullable(),
    status: planRunStatus,
  }),
])
export type PlanEvent = z.infer<typeof planEvent>

const planRef = z.object({ planId: z.number().int().positive() }).strict()

export const plansRequests = {
  runPlan: request(
    'Starts an experiment plan: one session per condition × episode × repeat, run as a queue',
    z.object({ spec: planSpec }).strict(),
    planRecord,
  ),
  resumePlan: request(
    'Resumes a stopped or interrupted plan; runs already completed are kept, not repeated',
    planRef,
    planRecord,
  ),
  continuePlan: request('Goes on past the instruction the plan is waiting on', planRef, planRecord),
  stopPlan: request('Stops the running plan; its current run is interrupted', planRef, planRecord),
  getPlan: request('One plan with its runs, progress and ETA', planRef, planRecord),
  listPlans: request('Stored plans, newest first', z.object({}).strict(), z.array(planSummary)),
}

export const plansEvents = {
  planEvent,
}
