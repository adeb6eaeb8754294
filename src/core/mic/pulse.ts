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

/** Module ids whose arguments create our sink or source, remap source first (it depends on the sink). */
export function ownedModules(listing: string): number[] {
  const rows = listing.split('\n').map((l) => l.split('\t'))
  const find = (mod: string, arg: string) =>
    rows.filter((r) => r[1] === mod && (r[2] ?? '').includes(arg)).map((r) => Number(r[0]))
  return [
    ...find('module-remap-source', `source_name=${SOURCE}`),
    ...find('module-null-sink', `sink_name=${SINK}`),
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

async function loadModule(...args: string[]): Promise<void> {
  const r = await pactl('load-module', ...args)
  if (r.code !== 0) {
    throw new UserError(
      `pactl load-module ${args[0]} failed: ${r.stderr.trim() || r.stdout.trim()}`,
      'mic_failed',
    )
  }
}

/** Creates whatever part of the virtual microphone is missing; returns true when it created anything. */
export async function pulseSetup(): Promise<boolean> {
  const info = await pactl('info')
  if (info.code !== 0)
    throw new UserError(`no PulseAudio/PipeWire server answers: ${START_SERVER}`, 'no_sound_server')
  let created = false
  if (!names((await pactl('list', 'short', 'sinks')).stdout).includes(SINK)) {
    await loadModule(
      'module-null-sink',
      `sink_name=${SINK}`,
      // Float mono at 48 kHz: episodes reach the meeting app without a 16-bit or stereo detour.
      'format=float32le',
      'rate=48000',
      'channels=1',
      // pactl's module arguments take a quoted value only whole, and proplist values only in double quotes.
      `sink_properties='device.description="${SINK_DESCRIPTION}"'`,
    )
    created = true
  }
  if (!names((await pactl('list', 'short', 'sources')).stdout).includes(SOURCE)) {
    await loadModule(
      'module-remap-source',
      `master=${SINK}.monitor`,
      `source_name=${SOURCE}`,
      `source_properties='device.description="${SOURCE_DESCRIPTION}"'`,
    )
    created = true
  }
  return created
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
