import type { Command } from 'commander'
import { mutedReads, processNames } from '../../core/analysis/mic-summary'
import { EventHub } from '../../core/api/event-hub'
import { UserError } from '../../core/errors'
import { realParts } from '../../core/experiment/real-parts'
import { ExperimentRunner } from '../../core/experiment/runner'
import { dataDir } from '../../core/paths'
import { parsePlayOn } from '../../core/playback/remote-output'
import { SessionStore } from '../../core/store/session-store'
import { experimentPlan, type DeviceTarget, type ExperimentTarget } from '../../shared/contract/experiment'
import type { LabPlayback } from '../../shared/contract/lab-link'
import { action, finiteNumber, printJsonLine } from '../action'
import { optionParser } from '../frida-options'

function parseTarget(value: string): ExperimentTarget {
  if (value === 'refvca') return { kind: 'refvca' }
  if (/^\d+$/.test(value)) return { kind: 'pid', pid: Number(value) }
  if (value.trim() === '') throw new UserError('--target needs a pid, a process name or "refvca"')
  return { kind: 'name', name: value }
}

const alsoForm = '--also DEVICE:pid:N, DEVICE:name:NAME or DEVICE:spawn:CMD (e.g. --also lab:pid:4242)'

/** --also DEVICE:KIND:VALUE, repeatable: one more target on a registered device. */
function parseAlso(value: string, prev: DeviceTarget[] = []): DeviceTarget[] {
  const m = /^([^:]+):(pid|name|spawn):(.+)$/s.exec(value)
  if (!m) throw new UserError(`"${value}" is not a target on a device: give ${alsoForm}`)
  const [, device, kind, rest] = m
  if (kind === 'pid' && !/^\d+$/.test(rest))
    throw new UserError(`"${rest}" is not a pid in --also ${value}: give ${alsoForm}`)
  const target: ExperimentTarget =
    kind === 'pid'
      ? { kind: 'pid', pid: Number(rest) }
      : kind === 'name'
        ? { kind: 'name', name: rest }
        : { kind: 'spawn', command: rest }
  return [...prev, { device, target }]
}

function positive(name: string) {
  const num = finiteNumber(name)
  return (v: string) => {
    const n = num(v)
    if (n <= 0) throw new UserError(`${name} must be greater than 0, got "${v}"`)
    return n
  }
}

interface RunOptions {
  target: string
  episode: string[]
  interval?: number
  duration?: number
  label?: string
  backend: string
  host?: string
  outputDevice?: string
  playOn?: LabPlayback
  profile: string
  loop?: boolean
  micAccess?: boolean
  muted?: boolean
  name?: string
  also?: DeviceTarget[]
  json?: boolean
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'run a muted-call experiment: play episodes into the microphone, capture and decode telemetry',
    )
    .requiredOption(
      '--target <pid|name|refvca>',
      'the app to audit: a pid, a process name, or refvca (the reference model)',
    )
    .requiredOption('--episode <file...>', 'episodes to play, in order')
    .option(
      '--interval <s>',
      "telemetry interval in seconds (refvca's sending interval; default: the profile's)",
      positive('--interval'),
    )
    .option(
      '--duration <s>',
      'stop after this many seconds (default: when the playlist ends)',
      positive('--duration'),
    )
    .option('--label <text>', 'activity label of the session')
    .option('--name <text>', 'session name')
    .option('--backend <kind>', 'Frida backend: auto, node or python', 'auto')
    .option('--host <host:port>', 'a remote frida-server')
    .option('--output-device <name>', "play into this device instead of MuteScope's virtual microphone")
    .option(
      '--play-on <portal:machine>',
      "play into a lab machine's virtual microphone, through the portal it links to; levels are measured here",
      optionParser(parsePlayOn),
    )
    .option('--profile <name|path>', 'telemetry extraction profile', 'webex')
    .option('--loop', 'loop the playlist until --duration or Ctrl-C')
    .option(
      '--mic-access',
      'also record the mic-access lane: what the app reads from the microphone, per second, process and API',
    )
    .option('--muted', 'the app is muted for the whole run (one muted interval, summarised at the end)')
    .option(
      '--also <device:target>',
      'also capture this target on a registered device ("mutescope devices list"; "local" is this computer) ' +
        `in the same run, from the same playback; repeatable. ${alsoForm}`,
      optionParser(parseAlso),
    )
    .option('--json', 'print only the final JSON line on stdout (log on stderr)')
    .action(
      action(async (opts: RunOptions) => {
        const parsed = experimentPlan.safeParse({
          target: parseTarget(opts.target),
          host: opts.host ?? null,
          backend: opts.backend,
          profile: opts.profile,
          episodes: opts.episode,
          outputDevice: opts.outputDevice ?? null,
          ...(opts.playOn ? { playback: opts.playOn } : {}),
          loop: opts.loop ?? false,
          micAccess: opts.micAccess ?? false,
          muted: opts.muted ?? false,
          durationS: opts.duration ?? null,
          intervalS: opts.interval ?? null,
          meta: { activity: opts.label ?? '', name: opts.name ?? '' },
          ...(opts.also ? { targets: opts.also } : {}),
        })
        if (!parsed.success) {
          throw new UserError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
        }
        const dir = dataDir()
        const store = SessionStore.open({ dir })
        const events = new EventHub()
        const runner = new ExperimentRunner(store, events, realParts(dir))
        const log = opts.json ? process.stderr : process.stdout
        events.on('experimentEvent', (e) => {
          if (e.type === 'log') log.write(`[${e.level}] ${e.message}\n`)
          else if (e.type === 'telemetry')
            log.write(
              `telemetry ${new Date(e.record.t).toISOString()}${e.record.device ? ` ${e.record.device}` : ''} ` +
                `${JSON.stringify(e.record.fields)}\n`,
            )
          else if (e.type === 'micAccess')
            for (const m of e.seconds)
              log.write(
                `mic-access ${new Date(m.t).toISOString()} pid ${m.pid} ${m.api}: ${m.reads} reads, ` +
                  `RMS ${m.rmsDbfs === null ? '-' : m.rmsDbfs.toFixed(1)} dBFS${e.muted ? ' (muted)' : ''}\n`,
              )
        })
        const finished = new Promise<void>((resolve) =>
          events.on('experimentEvent', (e) => {
            if (e.type === 'state' && e.state.phase === 'idle' && e.state.finished) resolve()
          }),
        )
        const interrupt = () => void runner.stop({ status: 'completed', reason: 'stopped by the user' })
        process.once('SIGINT', interrupt)
        process.once('SIGTERM', interrupt)
        let startError: unknown = null
        await runner.start(parsed.data).catch((err: unknown) => (startError = err))
        // Refused before any session existed (a bad profile): nothing to report but the error.
        if (startError && !runner.current().finished) {
          store.close()
          throw startError
        }
        await finished
        const end = runner.current().finished!
        const muted = mutedReads(
          store.micAccess(end.sessionId),
          store.muteIntervals(end.sessionId),
          processNames(store.events(end.sessionId)),
        )
        for (const m of muted) log.write(`${m.sentence}\n`)
        printJsonLine({
          sessionId: end.sessionId,
          status: end.status,
          telemetry: store.count('telemetry', end.sessionId),
          windows: store.count('level_windows', end.sessionId),
          ...(parsed.data.targets && { clockOffsets: store.clockOffsets(end.sessionId) }),
          ...(parsed.data.micAccess ? { micAccess: store.micAccess(end.sessionId).length } : {}),
          ...(parsed.data.muted ? { muteIntervals: store.muteIntervals(end.sessionId), muted } : {}),
        })
        store.close()
        if (startError) throw startError
        if (end.status !== 'completed') process.exitCode = 1
      }),
    )
}
