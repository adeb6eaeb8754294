import { EventEmitter } from 'node:events'
import { Writable } from 'node:stream'
import type WebSocket from 'ws'
import { labPlayback, toPlayer, type LabPlayback } from '../../shared/contract/lab-link'
import { measureClockOffset, type ClockEstimate } from '../capture/clock-offset'
import { connectLabLink, labLinkOf, parseFrame, sendJson, type LinkEndpoint } from '../devices/lab-link'
import { deviceLabel, findDevice } from '../devices/registry'
import { UserError } from '../errors'
import type { Output, OutputProcess } from './output'

const startTimeoutMs = 10_000
const roundTrips = 5
const roundTripTimeoutMs = 2000
/** A stop the lab machine does not confirm within this is forced by closing the link. */
const stopTimeoutMs = 3000

/**
 * A lab machine's output, driven over the lab link as the player drives a local one: samples written to
 * `stdin` stream to the machine's virtual microphone, 'close' says the output there ended, and its clock
 * reports, converted to this computer's clock, anchor sample times. So levels are measured here, from the very
 * samples streamed.
 */
class RemoteOutputProcess extends EventEmitter implements OutputProcess {
  readonly stdin: Writable
  tail = ''
  private ended = false
  private stopTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly ws: WebSocket,
    readonly machine: string,
  ) {
    super()
    this.stdin = new Writable({
      highWaterMark: 64 * 1024,
      write: (chunk: Buffer, _encoding, callback) => {
        // A link gone: what is written is lost, and 'close' (from the link's close) ends the player.
        if (ws.readyState !== ws.OPEN) return callback()
        ws.send(chunk, { binary: true }, () => callback())
      },
      final: (callback) => {
        sendJson(ws, { type: 'end' })
        callback()
      },
    })
    ws.once('close', (code, why) =>
      this.finish(null, `the lab link to "${machine}" closed (${why.length ? why.toString() : code})`),
    )
  }

  kill(): boolean {
    sendJson(this.ws, { type: 'stop' })
    this.stopTimer ??= setTimeout(() => this.ws.terminate(), stopTimeoutMs)
    return true
  }

  finish(code: number | null, message: string): void {
    if (this.ended) return
    this.ended = true
    if (message) this.tail = message
    if (this.stopTimer) clearTimeout(this.stopTimer)
    this.ws.close()
    this.emit('close', code)
  }
}

/**
 * Starts playback on `machine` through the portal's lab link and measures its clock offset; resolves with an
 * Output for the player once the machine's output runs.
 */
export async function openRemoteOutput(
  endpoint: LinkEndpoint,
  machine: string,
  sampleRate: number,
  onOffset: (o: ClockEstimate) => void = () => undefined,
): Promise<Output> {
  const { ws } = await connectLabLink(endpoint, { type: 'hello', role: 'player' }, toPlayer)
  const proc = new RemoteOutputProcess(ws, machine)
  const clockListeners: ((wallMs: number, playedS: number) => void)[] = []
  const pending = new Map<number, (labT: number) => void>()
  let offset: ClockEstimate | null = null
  let started: { resolve: () => void; reject: (e: Error) => void } | null = null
  ws.on('message', (data, binary) => {
    const m = binary ? null : parseFrame(toPlayer, data)
    if (!m) return proc.finish(null, `"${machine}" sent something else than a lab message`)
    if (m.type === 'playing') started?.resolve()
    else if (m.type === 'time') pending.get(m.id)?.(m.labT)
    else if (m.type === 'clock' && offset) {
      for (const l of clockListeners) l(m.wallMs - offset.offsetMs, m.playedS)
    } else if (m.type === 'ended') proc.finish(m.code, m.message)
    else if (m.type === 'error') {
      started?.reject(new UserError(m.message))
      proc.finish(null, m.message)
    }
  })
  try {
    await bounded(
      new Promise<void>((resolve, reject) => {
        started = { resolve, reject }
        proc.once('close', () => reject(new UserError(proc.tail)))
        sendJson(ws, { type: 'play', machine, sampleRate })
      }),
      startTimeoutMs,
      `"${machine}" did not start playing within ${startTimeoutMs / 1000} s`,
    )
    // An output that ends while its clock is read says why, rather than leaving its round trips unanswered.
    const ended = new Promise<never>((_, reject) =>
      proc.once('close', () => reject(new UserError(proc.tail || `"${machine}" stopped playing`))),
    )
    ended.catch(() => undefined)
    offset = await Promise.race([measureClockOffset(labNow(ws, pending), roundTrips), ended])
  } catch (err) {
    proc.finish(null, '')
    throw err
  }
  onOffset(offset)
  return {
    proc,
    reportsClock: true,
    messages: () => proc.tail,
    onClock: (listener) => clockListeners.push(listener),
  }
}

/** Reads the lab machine's clock through the portal, one round trip a call (its answers found by id). */
function labNow(ws: WebSocket, pending: Map<number, (labT: number) => void>): () => Promise<number> {
  let id = 0
  return () => {
    const asked = id++
    return bounded(
      new Promise<number>((resolve) => {
        pending.set(asked, resolve)
        sendJson(ws, { type: 'time', id: asked, t: Date.now() })
      }),
      roundTripTimeoutMs,
      `the lab machine did not answer a clock round trip within ${roundTripTimeoutMs / 1000} s`,
    ).finally(() => pending.delete(asked))
  }
}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new UserError(what)), ms))),
  ]).finally(() => clearTimeout(timer))
}

/**
 * Where `--play-on DEVICE:MACHINE` plays: `machine`'s virtual microphone, reached through the lab link of
 * the portal registered as `device`. `open` starts it, as the player's `open` option takes it.
 */
export function labPlaybackOutput(
  dataDir: string,
  playback: LabPlayback,
  onOffset?: (o: ClockEstimate) => void,
): { label: string; open: (device: string, sampleRate: number) => Promise<Output> } {
  const device = findDevice(dataDir, playback.device)
  const endpoint = device.kind === 'local' ? null : labLinkOf(device)
  if (!endpoint)
    throw new UserError(
      device.kind === 'portal'
        ? `${deviceLabel(device)} has no lab link: start it again with "mutescope portal serve", which opens one`
        : `${deviceLabel(device)} is not a portal: a lab machine's microphone is reached through the portal ` +
            'it links to ("mutescope portal serve")',
    )
  return {
    label: `"${playback.machine}" through ${deviceLabel(device)}`,
    open: (_device, sampleRate) => openRemoteOutput(endpoint, playback.machine, sampleRate, onOffset),
  }
}

/** "--play-on lab:lab1" → {device: "lab", machine: "lab1"}. */
export function parsePlayOn(value: string): LabPlayback {
  const at = value.lastIndexOf(':')
  const r = labPlayback.safeParse({ device: value.slice(0, at), machine: value.slice(at + 1) })
  if (at < 0 || !r.success)
    throw new UserError(
      `--play-on must be PORTAL:MACHINE, a portal device and a lab machine linked to it (e.g. lab:lab1), got "${value}"`,
    )
  return r.data
}
