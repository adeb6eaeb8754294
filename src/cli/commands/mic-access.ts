import type { Command } from 'commander'
import { lookedFor } from '../../agent/audio/apis'
import type { AudioApiReport } from '../../agent/protocol'
import type { BackendChoice } from '../../core/capture/backend'
import { agentSource } from '../../core/capture/agent-source'
import { printable } from '../../core/capture/bridge-protocol'
import { CaptureRun } from '../../core/capture/capture-run'
import { recordRun } from '../../core/capture/record'
import { openBackend } from '../../core/capture/select-backend'
import { UserError } from '../../core/errors'
import { SessionStore } from '../../core/store/session-store'
import type { MicAccessSecond } from '../../shared/model'
import { action, printJsonLine } from '../action'
import { logProcesses, stopOnSignals, targetOf, targetOptions } from './capture'

interface MicAccessOpts {
  pid?: number[]
  name?: string
  spawn?: string
  host: string | null
  backend: BackendChoice
  duration?: number
  tree?: boolean
  muted?: boolean
  json?: boolean
}

const dbText = (x: number | null) => (x === null ? '-' : x.toFixed(1))

function describe(r: MicAccessSecond): string {
  const time = new Date(r.t).toISOString().slice(11, 19)
  return (
    `${time} pid ${r.pid} ${r.api}: ${r.reads} reads, ${r.frames} frames, ${r.bytes} B, ` +
    `RMS ${dbText(r.rmsDbfs)} dBFS, peak ${dbText(r.peakDbfs)} dBFS`
  )
}

function apisText(apis: AudioApiReport[]): string {
  return apis.map((a) => `${a.family} in ${printable(a.module)} (${a.fns.join(', ')})`).join('; ')
}

/**
 * Watches which audio-capture APIs an app reads the microphone through, how often and how loud what it read
 * was, one line per second per process and API, and stores it as a session (the mic-access lane).
 */
async function micAccess(opts: MicAccessOpts): Promise<void> {
  const target = targetOf(opts)
  const log = (s: string) => process.stderr.write(`mutescope: ${s}\n`)
  const backend = await openBackend(opts.backend)
  const store = SessionStore.open()
  try {
    const run = new CaptureRun(backend, agentSource(), {
      host: opts.host,
      target,
      tree: opts.tree,
      exclude: backend.pid === undefined ? [] : [backend.pid],
      // No TLS hooks: only the audio path is watched.
      hooks: [],
      micAccess: true,
    })
    let sessionId = 0
    recordRun(run, store, { activity: 'mic access' }, (s) => {
      sessionId = s.id
      // Muted throughout: one interval from the session's start, closed when the session ends.
      if (opts.muted) store.setMuted(s.id, true, s.startedAt)
    })
    const found = new Map<number, AudioApiReport[]>()
    run.on('audioApis', (apis, pid) => {
      found.set(pid, [...(found.get(pid) ?? []), ...apis])
      if (apis.length > 0) log(`pid ${pid}: audio-capture APIs: ${apisText(apis)}`)
    })
    const apis = new Set<string>()
    let reads = 0
    run.on('micAccess', (r) => {
      apis.add(r.api)
      reads += r.reads
      if (opts.json) printJsonLine(r)
      else process.stdout.write(describe(r) + '\n')
    })
    logProcesses(run, backend, log)
    const stop = stopOnSignals(run)
    try {
      await run.start()
      const without = run.pids.filter((pid) => (found.get(pid) ?? []).length === 0)
      const none = `no audio-capture API is loaded in`
      // The APIs of this computer's platform (in Frida's names); a remote device's is not known here.
      const looked = lookedFor(
        opts.host ? undefined : process.platform === 'win32' ? 'windows' : process.platform,
      )
      if (without.length > 0 && without.length === run.pids.length && !('spawn' in target)) {
        await run.stop()
        // Nothing was watched: the session would only say so, which this message does.
        if (sessionId) store.deleteSession(sessionId)
        throw new UserError(
          `${none} ${without.map((p) => `pid ${p}`).join(', ')}; looked for ${looked}. Give the process ` +
            'that records audio (see "mutescope processes"), or --spawn the app so that APIs it loads later are hooked',
        )
      }
      for (const pid of without)
        log(`pid ${pid}: ${none} it yet (looked for ${looked}); watching for one to load`)
      log(`watching the microphone reads of ${run.pids.length} process(es): ${run.pids.join(', ')}`)
      const timer = opts.duration ? setTimeout(stop, opts.duration * 1000) : undefined
      const end = await run.done
      clearTimeout(timer)
      log(
        `session ${sessionId} ${end.status}: ${end.reason} (${reads} reads through ${[...apis].join(', ') || 'no API'})`,
      )
      if (opts.json) printJsonLine({ sessionId, apis: [...apis].sort(), reads })
      if (end.status === 'failed') process.exitCode = 1
    } finally {
      stop.release()
    }
  } finally {
    await backend.close()
    store.close()
  }
}

export function registerMicAccess(program: Command): void {
  targetOptions(
    program
      .command('mic-access')
      .description(
        "watch an app's reads from the microphone through the OS audio-capture APIs (PulseAudio, ALSA, " +
          'PipeWire, PortAudio; Core Audio on macOS): per second, process and API the reads, frames, bytes and the RMS and peak ' +
          '(dBFS) of what it read, stored as a session. Ends like capture: completed on --duration or Ctrl-C, ' +
          'interrupted when the app exits',
      ),
  )
    .option('--muted', 'the app is muted for the whole run: the session records one muted interval')
    .option(
      '--json',
      'print one JSON line per second per process and API {t, pid, api, reads, frames, bytes, rmsDbfs, ' +
        'peakDbfs}, then {sessionId, apis, reads}',
    )
    .action(action(micAccess))
}
