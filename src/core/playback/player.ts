import { EventEmitter } from 'node:events'
import { basename } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { LevelSecond, LevelWindow } from '../../shared/model'
import { decodeAudio, probeAudio } from '../audio/decode'
import { LevelMeter, type MeterSecond, type MeterWindow } from '../audio/level-meter'
import type { Weighting } from '../audio/weighting'
import { UserError, errorMessage } from '../errors'
import { startOutput, type Output, type OutputProcess } from './output'

/**
 * Plays a playlist of episodes in real time into one output device and measures exactly the samples it sends.
 *
 * Every episode is decoded to one rate (48 kHz) and written, 100 ms at a time, into a single output process,
 * so the playlist is one gapless stream. Writing runs at most LEAD_MS ahead of playback, which keeps pause
 * and stop prompt. Every sample gets a wall-clock time: sample k plays at t0 + (k - k0) / rate, where the
 * anchor (t0, k0) comes from the audio server's own clock reports (pacat: a few ms) or, where the output
 * gives none (SoX on Windows and macOS), from when the run's first sample was handed over (accurate to the
 * output's buffering, ~0.1-0.3 s). A pause closes the current level window and one-second bin,
 * so no window spans a pause; windows run on across episode boundaries and are labelled with the episode
 * playing at their start.
 *
 * Events:
 *   'start'    {t}                          playback began (wall clock, ms since the epoch)
 *   'episode'  {t, episode, index}          an episode began (again on every loop)
 *   'progress' {episode, index, positionS, durationS, paused}   about once a second, and on changes
 *   'window'   LevelWindow                  a level window closed
 *   'second'   LevelSecond                  a one-second level
 *   'pause' / 'resume' {t}
 *   'end'                                   the playlist played to its end (never with loop)
 *   'stop'     {t, reason: 'ended' | 'stopped' | 'error', error?}   always last; then `done` resolves
 *   'error'    Error                        only with a listener; the run then stops with reason 'error'
 */
export interface PlayerOptions {
  episodes: string[]
  /** Output device: a PulseAudio sink name on Linux, a device name elsewhere. */
  device: string
  loop?: boolean
  windowS?: number
  weighting?: Weighting
  calibrationDb?: number
  sampleRate?: number
  /** Starts the output; by default the output process on this computer (a lab machine's: remote-output.ts). */
  open?: (device: string, sampleRate: number) => Promise<Output>
}

export interface PlaybackProgress {
  episode: string
  index: number
  positionS: number
  durationS: number | null
  paused: boolean
}

export interface StopInfo {
  t: number
  reason: 'ended' | 'stopped' | 'error'
  error?: string
}

export interface PlayerEvents {
  start: [{ t: number }]
  episode: [{ t: number; episode: string; index: number }]
  progress: [PlaybackProgress]
  window: [LevelWindow]
  second: [LevelSecond]
  pause: [{ t: number }]
  resume: [{ t: number }]
  stop: [StopInfo]
  /** The playlist played to its end (never with loop); just before 'stop'. */
  end: []
  error: [Error]
}

interface Opened {
  index: number
  blocks: AsyncGenerator<Float32Array>
  first: Promise<IteratorResult<Float32Array>>
}

const CHUNK_S = 0.1
const LEAD_MS = 300
const PRIME_TIMEOUT_MS = 5000
const PRIME_PLAYED_S = 0.25
const ANCHOR_SLACK_MS = 20
const DRAIN_SLACK_MS = 2000
const PROBE_BATCH = 4

/** Durations of every episode, a few ffmpeg probes at a time (a playlist may hold hundreds). */
async function probeAll(files: string[]): Promise<(number | null)[]> {
  const out: (number | null)[] = []
  for (let i = 0; i < files.length; i += PROBE_BATCH) {
    const batch = files.slice(i, i + PROBE_BATCH)
    out.push(...(await Promise.all(batch.map(async (f) => (await probeAudio(f)).durationS))))
  }
  return out
}

export class Player extends EventEmitter<PlayerEvents> {
  readonly sampleRate: number
  private readonly opts: PlayerOptions
  private readonly meter: LevelMeter
  private durations: (number | null)[] = []
  private output: Output | null = null
  private paused = false
  private stopRequested = false
  private wake: (() => void) | null = null
  /** Sample `sample0` of the stream plays at wall-clock `t0`. */
  private run = { t0: 0, sample0: 0 }
  /** The last clock report that showed the stream advancing. */
  private clock: { wallMs: number; playedS: number } | null = null
  /** Samples of silence written before the first episode sample, while the output woke up. */
  private primed = 0
  /** Where each recent episode began in the meter's sample count, to label windows. */
  private marks: { sample: number; episode: string }[] = []
  private progress: PlaybackProgress | null = null
  private started = false
  private finished: Promise<StopInfo> | null = null

  constructor(opts: PlayerOptions) {
    super()
    if (opts.episodes.length === 0) throw new UserError('choose at least one episode to play')
    this.opts = opts
    this.sampleRate = opts.sampleRate ?? 48_000
    this.meter = new LevelMeter({
      sampleRate: this.sampleRate,
      weighting: opts.weighting ?? 'A',
      windowS: opts.windowS ?? 60,
      calibrationDb: opts.calibrationDb,
      onWindow: (w) => this.emit('window', this.toWindow(w)),
      onSecond: (s) => this.emit('second', this.toSecond(s)),
    })
  }

  /**
   * Checks every episode (so a bad file fails before anything plays), starts the output and begins playing.
   * Resolves once the output runs; `done` resolves when playback ends.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('a Player plays once; create a new one')
    this.started = true
    this.durations = await probeAll(this.opts.episodes)
    const output = await (this.opts.open ?? startOutput)(this.opts.device, this.sampleRate)
    this.output = output
    output.onClock((wallMs, playedS) => this.anchor(wallMs, playedS))
    const exited = new Promise<string>((resolve) => {
      output.proc.once('close', (code) =>
        resolve(
          `the audio output stopped (exit ${code})${output.messages() ? `: ${output.messages()}` : ''}`,
        ),
      )
    })
    this.finished = this.loop(exited)
  }

  /**
   * Re-anchors sample times on the server's report that `playedS` seconds of the stream have played. Reports
   * reach us late by however long the event loop took, so the anchor moves only to an earlier estimate, or to
   * a later one that is off by more than ANCHOR_SLACK_MS (the output stalled or its clock drifted): window
   * bounds then stay exactly contiguous. Reports from a stream that is not advancing (not started, or drained
   * during a pause) say nothing about when the next sample plays and are skipped; after a pause the stream
   * resumes later than its position says, which the slack rule catches.
   */
  private anchor(wallMs: number, playedS: number): void {
    if (this.clock && playedS <= this.clock.playedS) return
    this.clock = { wallMs, playedS }
    const off = wallMs - this.sampleTime(Math.round(playedS * this.sampleRate) - this.primed)
    if (off < 0 || off > ANCHOR_SLACK_MS) this.anchorFrom(this.clock)
  }

  /**
   * Feeds silence until the output reports that its stream plays steadily. An idle PulseAudio null sink takes
   * the first few tens of ms at once and then wakes only on its own timer, up to 2 s later; episode audio
   * starts after that, with a true clock anchor.
   */
  private async prime(out: OutputProcess, chunk: number, failed: () => boolean): Promise<void> {
    if (!this.output!.reportsClock) return
    const silence = new Float32Array(chunk)
    const start = Date.now()
    let written = 0
    while ((this.clock?.playedS ?? 0) < PRIME_PLAYED_S && !this.stopRequested && !failed()) {
      if (Date.now() - start > PRIME_TIMEOUT_MS) {
        throw new UserError(
          `the audio output "${this.opts.device}" did not start playing within ${PRIME_TIMEOUT_MS / 1000} s; ` +
            'check that the device exists and is not suspended (pactl list short sinks)',
        )
      }
      await this.write(out, silence)
      written += chunk
      const ahead = start + (written / this.sampleRate) * 1000 - Date.now()
      if (ahead > LEAD_MS) await sleep(ahead - LEAD_MS)
    }
    this.primed = written
    if (this.clock) this.anchorFrom(this.clock)
  }

  private anchorFrom(clock: { wallMs: number; playedS: number }): void {
    this.run = { t0: clock.wallMs, sample0: Math.round(clock.playedS * this.sampleRate) - this.primed }
  }

  get done(): Promise<StopInfo> {
    if (!this.finished) throw new Error('call start() first')
    return this.finished
  }

  get state(): PlaybackProgress | null {
    return this.progress
  }

  /** Takes effect at the next 100 ms chunk; the meter is only touched from the playing loop. */
  pause(): void {
    if (this.stopRequested) return
    this.paused = true
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    this.wake?.()
  }

  /** Stops playback now; resolves when the last window has been emitted (`done` tells how it ended). */
  async stop(): Promise<void> {
    this.stopRequested = true
    this.wake?.()
    await this.done
  }

  private async loop(exited: Promise<string>): Promise<StopInfo> {
    const out = this.output!.proc
    let failure: string | null = null
    let closing = false
    void exited.then((msg) => {
      if (!closing) failure ??= msg
      this.wake?.()
    })
    out.stdin.on('error', () => {}) // EPIPE after the output died; reported through `exited`
    const chunk = Math.round(this.sampleRate * CHUNK_S)
    /** Decoders that may still run: the playing episode and the prefetched one. */
    const opened: (Opened | null)[] = []
    try {
      await this.prime(out, chunk, () => failure !== null)
      if (!this.clock) this.run = { t0: Date.now(), sample0: 0 }
      if (!this.stopRequested && !failure) this.emit('start', { t: this.sampleTime(0) })
      const count = this.opts.episodes.length
      let next: Opened | null = this.open(0, chunk)
      // Listed at once: a stop before the loop's first turn (while the output woke up) must close it too.
      opened.push(next)
      while (next && !this.stopRequested && !failure) {
        const current: Opened = next
        const { index } = current
        // Open the next episode now, so its decoder is running when this one ends: no gap between them.
        next = index + 1 < count || this.opts.loop ? this.open((index + 1) % count, chunk) : null
        opened.splice(0, opened.length, current, next)
        const name = basename(this.opts.episodes[index])
        this.marks.push({ sample: this.meter.samples, episode: name })
        this.emit('episode', { t: this.sampleTime(this.meter.samples), episode: name, index })
        let played = 0
        let lastReport = -1
        for (let r = await current.first; !r.done; r = await current.blocks.next()) {
          const block = r.value
          await this.waitTurn()
          if (this.stopRequested || failure) break
          await this.write(out, block)
          this.meter.push(block)
          played += block.length
          const second = Math.floor(played / this.sampleRate)
          if (second !== lastReport) {
            lastReport = second
            this.progress = {
              episode: name,
              index,
              positionS: played / this.sampleRate,
              durationS: this.durations[index],
              // A block written just after pause() must not report the run as playing again.
              paused: this.paused,
            }
            this.emit('progress', this.progress)
          }
        }
        await current.blocks.return?.(undefined)
      }
    } catch (err) {
      failure ??= errorMessage(err)
    }
    // Stops decoders still running (a prefetched episode, or one left by a stop or an error).
    for (const o of opened) await o?.blocks.return?.(undefined).catch(() => undefined)
    this.meter.finish()
    closing = true
    if (failure) {
      out.kill('SIGTERM')
      await exited
    } else await this.drain(out, exited)
    // Stopped or finished, the output fell silent once everything metered had played; a failed one, now.
    const info: StopInfo = failure
      ? { t: Date.now(), reason: 'error', error: failure }
      : {
          t: Math.min(Date.now(), this.sampleTime(this.meter.samples)),
          reason: this.stopRequested ? 'stopped' : 'ended',
        }
    if (failure && this.listenerCount('error') > 0) this.emit('error', new UserError(failure))
    if (info.reason === 'ended') this.emit('end')
    this.emit('stop', info)
    return info
  }

  /**
   * Lets the output play what it holds (at most LEAD_MS plus its own buffer), so every metered sample is heard
   * and the last window's end is true; an output that does not finish in time is killed.
   */
  private async drain(out: OutputProcess, exited: Promise<string>): Promise<void> {
    out.stdin.end()
    const timer = setTimeout(() => out.kill('SIGTERM'), LEAD_MS + DRAIN_SLACK_MS)
    await exited
    clearTimeout(timer)
  }

  /** Starts decoding an episode and asks for its first block, without waiting for it. */
  private open(index: number, chunk: number): Opened {
    const blocks = (async function* (file: string, sampleRate: number) {
      yield* (await decodeAudio(file, { sampleRate, blockSize: chunk })).blocks
    })(this.opts.episodes[index], this.sampleRate)
    const first = blocks.next()
    first.catch(() => undefined) // rethrown where it is awaited; not an unhandled rejection meanwhile
    return { index, blocks, first }
  }

  /** Waits while paused, and while the output already holds LEAD_MS of audio. */
  private async waitTurn(): Promise<void> {
    if (this.paused && !this.stopRequested) {
      this.meter.cut()
      // Sound stops when what was already handed to the output has played.
      this.emit('pause', { t: this.sampleTime(this.meter.samples) })
      this.report({ paused: true })
      while (this.paused && !this.stopRequested) {
        await new Promise<void>((resolve) => (this.wake = resolve))
        this.wake = null
      }
      if (this.stopRequested) return
      this.run = { t0: Date.now(), sample0: this.meter.samples }
      this.emit('resume', { t: this.run.t0 })
      this.report({ paused: false })
    }
    const ahead = this.sampleTime(this.meter.samples) - Date.now()
    if (ahead > LEAD_MS) await sleep(ahead - LEAD_MS)
  }

  private write(out: OutputProcess, block: Float32Array): Promise<void> {
    const buf = Buffer.from(block.buffer, block.byteOffset, block.byteLength)
    if (out.stdin.write(buf)) return Promise.resolve()
    // The output is behind (its device clock runs slower than ours): wait for it rather than pile up audio,
    // unless a stop comes: an output that never drains is then ended by drain()'s timeout.
    return new Promise((resolve) => {
      const done = () => {
        out.stdin.off('drain', done)
        out.off('close', done)
        this.wake = null
        resolve()
      }
      out.stdin.once('drain', done)
      out.once('close', done)
      this.wake = done
    })
  }

  private sampleTime(sample: number): number {
    return this.run.t0 + ((sample - this.run.sample0) / this.sampleRate) * 1000
  }

  /** The episode playing at `start`; forgets episodes that ended before `end`, as no later window needs them. */
  private episodeAt(start: number, end: number): string | null {
    let name: string | null = null
    for (const m of this.marks) if (m.sample <= start) name = m.episode
    const keepFrom = this.marks.findLastIndex((m) => m.sample <= end)
    if (keepFrom > 0) this.marks = this.marks.slice(keepFrom)
    return name
  }

  private toWindow(w: MeterWindow): LevelWindow {
    return {
      startT: this.sampleTime(w.start),
      endT: this.sampleTime(w.start + w.length),
      weighting: this.meter.weighting,
      leq: w.leq,
      lmax: w.lmax,
      lmin: w.lmin,
      peak: w.peak,
      powerDb: w.powerDb,
      episode: this.episodeAt(w.start, w.start + w.length),
    }
  }

  private toSecond(s: MeterSecond): LevelSecond {
    return { t: this.sampleTime(s.start), level: s.level, absMax: s.absMax, absMean: s.absMean }
  }

  private report(patch: Partial<PlaybackProgress>): void {
    if (!this.progress) return
    this.progress = { ...this.progress, ...patch }
    this.emit('progress', this.progress)
  }
}
