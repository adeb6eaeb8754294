import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { pearson } from '../../src/core/analysis/stats'
import { pulseRunMic } from '../../src/core/mic/pulse'
import type { MicAccessSecond } from '../../src/shared/model'
import { cliPath, repoRoot, tempDir } from '../support/helpers'

/**
 * The mic-access lab: a microphone of the test's own (a null sink MuteScope plays into, read through its
 * monitor), stepped pink noise played into it by `mutescope play` (which reports each second's level with
 * wall-clock bounds), real recorders reading it, and `mutescope mic-access` watching them.
 */

/** The real python, not a shim script that would exec() it (--spawn watches the process it starts). */
export const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], {
  encoding: 'utf8',
}).stdout.trim()

export function startPulse(): void {
  const r = spawnSync('sh', [join(repoRoot, 'scripts', 'pulseaudio.sh')], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`PulseAudio did not start: ${r.stderr}`)
}

/** Pink noise in steps of `stepS` seconds at these amplitudes (48 kHz mono). */
export function steppedNoise(file: string, steps: number[], stepS: number): string {
  const synth = steps.flatMap((v, i) => [
    ...(i ? [':'] : []),
    'synth',
    String(stepS),
    'pinknoise',
    'vol',
    String(v),
  ])
  const made = spawnSync('sox', ['-n', '-r', '48000', '-c', '1', file, ...synth], { encoding: 'utf8' })
  if (made.status !== 0) throw new Error(`sox failed: ${made.stderr}`)
  return file
}

/**
 * The lab running: PulseAudio, a microphone of the test's own, and 5 s steps of pink noise some 8 dB apart,
 * up and down over 30 dB, looped into it: whatever 20 s a monitor watches, the level swings; neighbouring
 * steps close enough that the playback clock's jitter under load (a few hundred ms) moves a boundary second's
 * level by a few dB, not by the whole range.
 */
export async function startMicLab() {
  startPulse()
  const mic = await pulseRunMic(0)
  const steps = [0.02, 0.05, 0.12, 0.3, 0.7, 0.3, 0.12, 0.05]
  const player = play(steppedNoise(join(tempDir(), 'steps.wav'), steps, 5), mic.sink, tempDir())
  await player.started
  return {
    mic,
    player,
    async stop() {
      await player.stop()
      await mic.remove()
    },
  }
}

export interface PlayedSecond {
  startT: number
  endT: number
  leq: number | null
}

/** `mutescope play --loop --window 1` into `sink`: the level of every second it played, as they come. */
export function play(file: string, sink: string, dataDir: string) {
  const child = spawn(
    process.execPath,
    [cliPath, 'play', file, '--output-device', sink, '--loop', '--window', '1', '--json'],
    { env: { ...process.env, MUTESCOPE_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const played: PlayedSecond[] = []
  createInterface({ input: child.stdout }).on('line', (line) => {
    const e = JSON.parse(line) as { event: string } & PlayedSecond
    if (e.event === 'window') played.push({ startT: e.startT, endT: e.endT, leq: e.leq })
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const started = waitFor(
    () => played.length > 0,
    'played level',
    () => stderr,
  )
  return { child, played, started, stop: () => stopChild(child) }
}

/** A real program reading the microphone (or holding it), its stderr kept for failures. */
export function startProgram(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdout!.resume()
  return { child, stderr: () => stderr, stop: () => stopChild(child) }
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

export interface MicAccessResult {
  code: number | null
  seconds: MicAccessSecond[]
  last: { sessionId: number; apis: string[]; reads: number } | null
  stderr: string
}

/**
 * `mutescope mic-access ARGS --json` in the background (the test's own process stays free to act meanwhile):
 * `lines(n)` resolves once it printed n lines, `done` when it ends (killed after `timeoutMs`).
 */
export function micAccess(args: string[], dataDir: string, timeoutMs = 90_000) {
  const child = spawn(process.execPath, [cliPath, 'mic-access', ...args, '--json'], {
    env: { ...process.env, MUTESCOPE_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const done = new Promise<MicAccessResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer)
      const lines = stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      const last =
        lines.at(-1) && 'sessionId' in lines.at(-1)! ? (lines.pop() as MicAccessResult['last']) : null
      resolve({ code, seconds: lines as unknown as MicAccessSecond[], last, stderr })
    })
  })
  const lines = (n: number) =>
    waitFor(
      () => stdout.split('\n').filter(Boolean).length >= n,
      `${n} lines`,
      () => stderr,
    )
  /** Its last line, the session's summary, is out: the run has ended (a spawned app may still hold it open). */
  const summary = () =>
    waitFor(
      () => stdout.includes('"sessionId"'),
      'summary line',
      () => stderr,
    )
  return { child, done, lines, summary }
}

/** Resolves once `ready()`, checked every 100 ms; rejects after a minute with `log()`. */
function waitFor(ready: () => boolean, what: string, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (!ready()) return
      clearInterval(check)
      clearTimeout(limit)
      resolve()
    }, 100)
    const limit = setTimeout(() => {
      clearInterval(check)
      reject(new Error(`no ${what} within 60 s: ${log()}`))
    }, 60_000)
  })
}

/**
 * The level played over [t, t + 1 s): the energy mean of the played seconds it overlaps, weighted by the
 * overlap; null unless played seconds cover most of it.
 */
export function playedLevel(played: readonly PlayedSecond[], t: number): number | null {
  let energy = 0
  let covered = 0
  for (const p of played) {
    const overlap = Math.min(p.endT, t + 1000) - Math.max(p.startT, t)
    if (overlap <= 0 || p.leq === null) continue
    energy += overlap * 10 ** (p.leq / 10)
    covered += overlap
  }
  return covered >= 900 ? 10 * Math.log10(energy / covered) : null
}

/** Pearson's r between the RMS an app read each second and what was played then, and the pairs' count. */
export function trackPlayed(seconds: readonly MicAccessSecond[], played: readonly PlayedSecond[]) {
  const pairs = seconds.flatMap((s) => {
    const level = playedLevel(played, s.t)
    return s.rmsDbfs !== null && s.reads > 0 && level !== null ? [[s.rmsDbfs, level]] : []
  })
  return {
    n: pairs.length,
    r: pearson(
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    ).r,
  }
}
