import { spawn } from 'node:child_process'
import type { Writable } from 'node:stream'
import { UserError } from '../errors'

/**
 * The process that turns MuteScope's float samples into sound on a named device, fed through its stdin in
 * real time:
 * - Linux: pacat (PulseAudio, or PipeWire's pulse server) into a sink by name, e.g. mutescope_sink.
 * - Windows: SoX's waveaudio driver into a device by name, e.g. "CABLE Input (VB-Audio Virtual Cable)";
 *   WinMM names are cut to 31 characters, and SoX matches that prefix. ffplay is not used: it cannot pick
 *   an output device.
 * - macOS: SoX's coreaudio driver into a device by name, e.g. "BlackHole 2ch".
 * Only the Linux path can be exercised on this project's CI; the SoX command lines are unit-tested.
 *
 * pacat runs verbose because its reports ("Time: 1.234 sec; Latency: 70000 usec") are the audio server's own
 * clock: the stream position now at the speaker. The player anchors sample times to them, which matters
 * because an idle null sink only wakes on its own timer, up to 2 s after a stream connects.
 */
export interface OutputCommand {
  cmd: string
  args: string[]
  install: string
  /** Whether stderr carries pacat's clock reports. */
  reportsClock: boolean
}

/** How much audio pacat keeps buffered: small, so pause and stop act within a tenth of a second. */
const LATENCY_MS = 100

export function outputCommand(platform: NodeJS.Platform, device: string, sampleRate: number): OutputCommand {
  const rawIn = ['-q', '-t', 'f32', '-r', String(sampleRate), '-c', '1', '-']
  switch (platform) {
    case 'linux':
      return {
        cmd: 'pacat',
        args: [
          '--verbose',
          `--device=${device}`,
          '--format=float32le',
          `--rate=${sampleRate}`,
          '--channels=1',
          '--raw',
          `--latency-msec=${LATENCY_MS}`,
          '--client-name=MuteScope',
          '--stream-name=episode',
        ],
        install: 'install pulseaudio-utils (sudo apt install pulseaudio-utils)',
        reportsClock: true,
      }
    case 'win32':
      return {
        cmd: 'sox',
        args: [...rawIn, '-t', 'waveaudio', device.slice(0, 31)],
        install: 'install SoX (winget install ChrisBagwell.SoX) and make sure sox.exe is on the PATH',
        reportsClock: false,
      }
    case 'darwin':
      return {
        cmd: 'sox',
        args: [...rawIn, '-t', 'coreaudio', device],
        install: 'install SoX (brew install sox)',
        reportsClock: false,
      }
    default:
      throw new UserError(`playback is not supported on ${platform}; use Linux, Windows or macOS`)
  }
}

/**
 * What the player writes samples to and watches end: the output process here, or a stream to a lab machine's
 * output over the lab link (remote-output.ts), which acts the same.
 */
export interface OutputProcess {
  stdin: Writable
  kill(signal?: NodeJS.Signals): boolean
  once(event: 'close', listener: (code: number | null) => void): this
  off(event: 'close', listener: (code: number | null) => void): this
}

const CLOCK = /Time: (\d+(?:\.\d+)?) sec; Latency: \d+ usec/g

export interface Output {
  proc: OutputProcess
  /** Whether onClock will ever be called (pacat), or sample times rest on the wall clock (SoX). */
  reportsClock: boolean
  /** The output's own diagnostics (clock reports left out), for error messages. */
  messages(): string
  /** Called with (wall-clock ms, seconds of the stream played so far) on each clock report. */
  onClock(listener: (wallMs: number, playedS: number) => void): void
}

/** Starts the output process; resolves once it runs, rejects with a UserError naming what to install. */
export function startOutput(device: string, sampleRate: number): Promise<Output> {
  const { cmd, args, install, reportsClock } = outputCommand(process.platform, device, sampleRate)
  // Its own process group: a Ctrl-C in the terminal reaches MuteScope, which then ends playback in order,
  // instead of killing the output under it. If MuteScope dies, the output sees its stdin close and ends too.
  const proc = spawn(cmd, args, {
    stdio: ['pipe', 'ignore', 'pipe'],
    windowsHide: true,
    detached: process.platform !== 'win32',
  })
  let tail = ''
  const listeners: ((wallMs: number, playedS: number) => void)[] = []
  proc.stderr.setEncoding('utf8')
  proc.stderr.on('data', (text: string) => {
    const now = Date.now()
    if (reportsClock) for (const m of text.matchAll(CLOCK)) for (const l of listeners) l(now, Number(m[1]))
    // Keep only complaints ("Stream error: No such entity", "sox FAIL ..."), not the verbose chatter.
    const complaints = text.split(/[\r\n]+/).filter((l) => /error|fail/i.test(l))
    if (complaints.length > 0) tail = (tail + complaints.join('\n') + '\n').slice(-2000)
  })
  return new Promise((resolve, reject) => {
    proc.once('spawn', () =>
      resolve({
        proc,
        reportsClock,
        messages: () => tail.trim(),
        onClock: (listener) => listeners.push(listener),
      }),
    )
    proc.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT' ? new UserError(`playback needs ${cmd}, which was not found: ${install}`) : err,
      ),
    )
  })
}
