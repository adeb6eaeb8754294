import { UserError } from '../errors'
import type { MicStatus } from '../../shared/contract/audio'
import { run, runSync, type RunResult } from './run'

/**
 * Linux virtual microphone through pactl, which talks to PulseAudio and to PipeWire's pulse server alike:
 * a null sink MuteScope plays into, and a remap source over its monitor that meeting apps list as a
 * microphone. Setup and teardown are idempotent: they look for the devices by name before acting.
 */
export const SINK = 'mutescope_sink'
export const SOURCE = 'mutescope_mic'
export const SOURCE_DESCRIPTION = 'MuteScope Virtual Microphone'
const SINK_DESCRIPTION = 'MuteScope Playback'

const INSTALL_PACTL =
  "install PulseAudio tools (sudo apt install pulseaudio-utils) or PipeWire's pulse server"
const START_SERVER =
  'start a sound server: log into a desktop session, or run scripts/pulseaudio.sh ' +
  '(pulseaudio --daemonize=yes --exit-idle-time=-1)'

async function pactl(...args: string[]): Promise<RunResult> {
  const r = await run('pactl', args)
  if (!r) throw new UserError(`pactl was not found: ${INSTALL_PACTL}`, 'pactl_missing')
  return r
}

function names(listing: string): string[] {
  return listing
    .split('\n')
    .map((l) => l.split('\t')[1])
    .filter((n): n is string => Boolean(n))
}

/** Ids of the loaded modules of kind `mod` whose arguments include `arg`, in load order. */
function modulesWith(listing: string, mod: string, arg: string): number[] {
  return listing
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((r) => r[1] === mod && ` ${r[2] ?? ''} `.includes(` ${arg} `))
    .map((r) => Number(r[0]))
}

/** Module ids whose arguments create our sink or source, remap source first (it depends on the sink). */
export function ownedModules(listing: string): number[] {
  return [
    ...modulesWith(listing, 'module-remap-source', `source_name=${SOURCE}`),
    ...modulesWith(listing, 'module-null-sink', `sink_name=${SINK}`),
  ]
}

export function serverName(info: string): string | null {
  const m = /^Server Name: (.+)$/m.exec(info)
  const v = /^Server Version: (.+)$/m.exec(info)
  return m ? `${m[1]}${v ? ` ${v[1]}` : ''}` : null
}

export async function pulseStatus(): Promise<MicStatus> {
  const base = {
    platform: 'linux',
    backend: 'pulseaudio' as const,
    inputDevice: SOURCE_DESCRIPTION,
    source: SOURCE,
  }
  const pactlRun = await run('pactl', ['info'])
  if (!pactlRun)
    return { ...base, ready: false, managed: false, outputDevice: null, server: null, install: INSTALL_PACTL }
  if (pactlRun.code !== 0) {
    return { ...base, ready: false, managed: false, outputDevice: null, server: null, install: START_SERVER }
  }
  const sinks = names((await pactl('list', 'short', 'sinks')).stdout)
  const sources = names((await pactl('list', 'short', 'sources')).stdout)
  const ready = sinks.includes(SINK) && sources.includes(SOURCE)
  return {
    ...base,
    ready,
    managed: ready,
    outputDevice: ready ? SINK : null,
    server: serverName(pactlRun.stdout),
    install: ready ? null : 'run "mutescope mic setup" (or press Set up) to create it',
  }
}

/** Loads a module; returns its id. */
async function loadModule(...args: string[]): Promise<number> {
  const r = await pactl('load-module', ...args)
  if (r.code !== 0) {
    throw new UserError(
      `pactl load-module ${args[0]} failed: ${r.stderr.trim() || r.stdout.trim()}`,
      'mic_failed',
    )
  }
  return Number(r.stdout.trim())
}

/**
 * Loads a module that creates the device named by `nameArg`, unless it exists. Two setups at once (two
 * windows, `mic setup` beside a run) may both find it missing; PulseAudio then names the later device
 * "<name>.2", so the setup whose module is not the oldest with that name unloads its own again. Returns
 * true when this call's device is the one that stays.
 */
async function loadOnce(kind: 'sinks' | 'sources', name: string, ...args: string[]): Promise<boolean> {
  if (names((await pactl('list', 'short', kind)).stdout).includes(name)) return false
  const id = await loadModule(...args)
  const mine = modulesWith((await pactl('list', 'short', 'modules')).stdout, args[0], args[1])
  if (mine.length > 0 && Math.min(...mine) === id) return true
  await pactl('unload-module', String(id))
  return false
}

/** Float mono at 48 kHz: episodes reach the meeting app without a 16-bit or stereo detour. */
const SINK_FORMAT = ['format=float32le', 'rate=48000', 'channels=1']

/** pactl's module arguments take a quoted value only whole, and proplist values only in double quotes. */
const description = (kind: 'sink' | 'source', text: string) =>
  `${kind}_properties='device.description="${text}"'`

async function requireServer(): Promise<void> {
  if ((await pactl('info')).code !== 0)
    throw new UserError(`no PulseAudio/PipeWire server answers: ${START_SERVER}`, 'no_sound_server')
}

/** Creates whatever part of the virtual microphone is missing; returns true when it created anything. */
export async function pulseSetup(): Promise<boolean> {
  await requireServer()
  const sink = await loadOnce(
    'sinks',
    SINK,
    'module-null-sink',
    `sink_name=${SINK}`,
    ...SINK_FORMAT,
    description('sink', SINK_DESCRIPTION),
  )
  const source = await loadOnce(
    'sources',
    SOURCE,
    'module-remap-source',
    `source_name=${SOURCE}`,
    `master=${SINK}.monitor`,
    description('source', SOURCE_DESCRIPTION),
  )
  return sink || source
}

/** Sinks made for single runs are named mutescope_run_<pid>_<n>_s<session>. */
const RUN_SINK = /(?:^| )sink_name=mutescope_run_(\d+)_/
let runMics = 0

/** Removes run microphones whose process is gone (killed before it could remove them). */
async function removeOrphanRunMics(): Promise<void> {
  const rows = (await pactl('list', 'short', 'modules')).stdout.split('\n').map((l) => l.split('\t'))
  for (const [id, mod, args] of rows) {
    const pid = Number(RUN_SINK.exec(args ?? '')?.[1])
    if (mod !== 'module-null-sink' || !pid) continue
    try {
      process.kill(pid, 0)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') await pactl('unload-module', id)
    }
  }
}

/**
 * A microphone for one run alone: a null sink named after the process and the session, whose monitor
 * refvca listens to. Runs side by side each hear only their own episodes.
 */
export async function pulseRunMic(
  sessionId: number,
): Promise<{ sink: string; source: string; remove(): Promise<void> }> {
  await requireServer()
  await removeOrphanRunMics()
  const sink = `mutescope_run_${process.pid}_${++runMics}_s${sessionId}`
  const id = await loadModule(
    'module-null-sink',
    `sink_name=${sink}`,
    ...SINK_FORMAT,
    description('sink', `MuteScope run (session ${sessionId})`),
  )
  return {
    sink,
    source: `${sink}.monitor`,
    remove: async () => {
      await pactl('unload-module', String(id))
    },
  }
}

/** Unloads our modules; returns how many were removed (0 when there was nothing to remove). */
export async function pulseTeardown(): Promise<number> {
  const modules = ownedModules((await pactl('list', 'short', 'modules')).stdout)
  for (const id of modules) await pactl('unload-module', String(id))
  return modules.length
}

/** The same, synchronously, for process exit. Best effort: the server may already be gone. */
export function pulseTeardownSync(): void {
  const listing = runSync('pactl', ['list', 'short', 'modules'])
  if (!listing || listing.code !== 0) return
  for (const id of ownedModules(listing.stdout)) runSync('pactl', ['unload-module', String(id)])
}
