import { EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type WebSocket from 'ws'
import type { LabMic } from '../../shared/contract/devices'
import { toLab } from '../../shared/contract/lab-link'
import { errorMessage, UserError } from '../errors'
import { startOutput, type Output } from '../playback/output'
import { closeLink, connectLabLink, parseFrame, sendJson, type LinkEndpoint } from './lab-link'

export interface LabMicOfferEvents {
  /** The link is up: the workbench may play here. */
  linked: []
  /** The link went down (or could not be opened); tried again after `retryMs`. */
  dropped: [{ reason: string; retryMs: number }]
  playing: [{ sampleRate: number }]
  stopped: [{ reason: string }]
}

/** Bounded backoff between attempts to open the link; a link that came up starts it again. */
const firstRetryMs = 1000
const maxRetryMs = 10_000

/**
 * A lab machine's microphone offered to the workbench: keeps the lab link open (outbound, reopened after a
 * drop), and plays what the workbench streams into the machine's virtual microphone with the same output
 * process a local player uses (pacat), sending its clock reports back so that the workbench times the very
 * samples it measured. A refused token or certificate ends the offer (`failed`); nothing else does.
 */
export class LabMicOffer extends EventEmitter<LabMicOfferEvents> {
  private stopping = false
  private ws: WebSocket | null = null
  private output: Output | null = null
  private wake: (() => void) | null = null
  /** A refusal that ended the offer (a wrong token or certificate). */
  failed: Error | null = null
  /** Resolves when the offer ends: stopped, or refused (then `failed` says how). */
  readonly done: Promise<void>
  private ended!: () => void

  constructor(
    private readonly endpoint: LinkEndpoint,
    private readonly machine: string,
    private readonly mic: LabMic,
  ) {
    super()
    this.done = new Promise<void>((resolve) => (this.ended = resolve))
  }

  /** Opens the link once (so a wrong token or certificate fails here), then keeps it open until stop(). */
  async start(): Promise<void> {
    const first = await this.open().catch((err: unknown) => err as Error)
    if (first instanceof UserError && (first.code === 'auth' || first.code === 'tls')) throw first
    void this.keep(first instanceof Error ? first : null).finally(() => this.ended())
  }

  private async open(): Promise<void> {
    const { ws } = await connectLabLink(
      this.endpoint,
      { type: 'hello', role: 'lab', machine: this.machine, mic: this.mic },
      toLab,
    )
    if (this.stopping) return void ws.terminate()
    this.ws = ws
    ws.on('message', (data, binary) => this.receive(ws, data as Buffer, binary))
    this.emit('linked')
  }

  /** Waits while the link is up; reopens it after a drop with bounded backoff. */
  private async keep(firstError: Error | null): Promise<void> {
    let delay = firstRetryMs
    let error = firstError
    while (!this.stopping) {
      if (this.ws) {
        const ws = this.ws
        const reason = await new Promise<string>((resolve) =>
          ws.once('close', (code, why) => resolve(why.length ? why.toString() : `link lost (${code})`)),
        )
        this.ws = null
        this.stopOutput()
        if (this.stopping) break
        error = new Error(reason)
        delay = firstRetryMs
      }
      if (error) {
        this.emit('dropped', { reason: errorMessage(error), retryMs: delay })
        await new Promise<void>((resolve) => {
          this.wake = resolve
          void sleep(delay).then(resolve)
        })
        if (this.stopping) break
        delay = Math.min(maxRetryMs, delay * 2)
      }
      error = await this.open().then(
        () => null,
        (err: unknown) => err as Error,
      )
      if (error instanceof UserError && (error.code === 'auth' || error.code === 'tls')) {
        this.failed = error
        return
      }
    }
  }

  private receive(ws: WebSocket, data: Buffer, binary: boolean): void {
    if (binary) {
      if (data.length % 4 !== 0) return closeLink(ws, 'protocol', 'PCM is float32 samples')
      // PCM for the output; a chunk after it ended (the workbench stopped meanwhile) is dropped.
      this.output?.proc.stdin.write(data)
      return
    }
    const m = parseFrame(toLab, data)
    if (!m) return closeLink(ws, 'protocol', 'not a portal message')
    // Answered at once: the workbench measures the clock offset from these round trips.
    if (m.type === 'time') sendJson(ws, { type: 'time', id: m.id, t: m.t, labT: Date.now() })
    else if (m.type === 'play') void this.play(ws, m.sampleRate)
    else if (m.type === 'end') this.output?.proc.stdin.end()
    else if (m.type === 'stop') this.stopOutput()
  }

  private async play(ws: WebSocket, sampleRate: number): Promise<void> {
    if (this.output) return sendJson(ws, { type: 'error', message: `"${this.machine}" already plays` })
    let output: Output
    try {
      output = await startOutput(this.mic.sink, sampleRate)
    } catch (err) {
      return sendJson(ws, { type: 'error', message: `${this.machine}: ${errorMessage(err)}` })
    }
    this.output = output
    output.proc.stdin.on('error', () => undefined) // EPIPE after pacat died; its exit says why
    output.onClock((wallMs, playedS) => sendJson(ws, { type: 'clock', wallMs, playedS }))
    output.proc.once('close', (code) => {
      if (this.output === output) this.output = null
      const message = output.messages()
      sendJson(ws, { type: 'ended', code, message })
      this.emit('stopped', { reason: message || `the output ended (exit ${code})` })
    })
    sendJson(ws, { type: 'playing' })
    this.emit('playing', { sampleRate })
  }

  private stopOutput(): void {
    this.output?.proc.kill('SIGTERM')
  }

  async stop(): Promise<void> {
    this.stopping = true
    this.wake?.()
    this.stopOutput()
    this.ws?.close()
  }
}
