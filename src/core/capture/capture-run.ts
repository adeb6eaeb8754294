import { EventEmitter } from 'node:events'
import { basename } from 'node:path'
import type { AgentConfig, AgentMessage, HookGroup, HookedFunction } from '../../agent/protocol'
import { defaultCap, hookGroups } from '../../agent/protocol'
import type { Capture, SessionStatus } from '../../shared/model'
import { errorMessage } from '../errors'
import type { AgentSession, DetachInfo, FridaBackend, ScriptMessage, Target } from './backend'

export interface CaptureOptions {
  /** A remote frida-server's HOST:PORT; null for this computer. */
  host: string | null
  target: Target
  hooks?: HookGroup[]
  /** Bytes kept per call (default 1 MiB). */
  cap?: number
  filter?: { peer?: string | null; contains?: string | null }
  /** When the target exits or crashes, wait for a process with its name and attach again. */
  reattach?: boolean
}

export interface CaptureEnd {
  status: Exclude<SessionStatus, 'running'>
  reason: string
}

export interface AttachInfo {
  pid: number
  name: string
}

export interface CaptureEvents {
  attach: [AttachInfo]
  /** Functions hooked: the whole inventory on attach, then additions as modules load. */
  hooks: [HookedFunction[]]
  capture: [Capture]
  detach: [DetachInfo]
  warning: [string]
  end: [CaptureEnd]
}

/** Status and reason for a session whose target went away. Target exit is "interrupted": no one chose to stop. */
export function endFor(d: DetachInfo): CaptureEnd {
  if (d.crash) return { status: 'failed', reason: `target crashed: ${d.crash.summary}` }
  if (d.reason === 'process-terminated' || d.reason === 'process-replaced')
    return { status: 'interrupted', reason: 'target exited' }
  if (d.reason.startsWith('backend-died'))
    return { status: 'failed', reason: `Frida backend died (${d.reason.slice(13)})` }
  if (d.reason === 'application-requested') return { status: 'completed', reason: 'stopped' }
  return { status: 'failed', reason: `lost the device (${d.reason})` }
}

const restartPollMs = 250
const startupGraceMs = 750
const detachWaitMs = 5000

/**
 * One live capture: attaches (or spawns, gated so the first request is hooked), configures the agent and
 * streams Capture records as events until stop(), the target's exit or the backend's death. The stream that
 * the session store, the telemetry decoder and the UI consume.
 */
export class CaptureRun extends EventEmitter<CaptureEvents> {
  private session: AgentSession | null = null
  private clockOffset = 0
  private stopping = false
  private result: CaptureEnd | null = null
  private targetName = ''
  private readonly truncatedFns = new Set<string>()
  private readonly config: AgentConfig
  readonly stats = { captures: 0, bytes: 0, startedAt: Date.now() }
  readonly done: Promise<CaptureEnd>
  private resolveDone!: (e: CaptureEnd) => void

  constructor(
    private readonly backend: FridaBackend,
    private readonly source: string,
    readonly opts: CaptureOptions,
  ) {
    super()
    this.done = new Promise((resolve) => (this.resolveDone = resolve))
    this.config = {
      hooks: opts.hooks ?? [...hookGroups],
      cap: opts.cap ?? defaultCap,
      filter: {
        peer: opts.filter?.peer ?? null,
        contains: opts.filter?.contains ? [...Buffer.from(opts.filter.contains, 'utf8')] : null,
      },
    }
  }

  /** Attaches and lets the target run; rejects (with a UserError naming the fix) when it cannot. */
  async start(): Promise<void> {
    await this.attach(this.opts.target)
  }

  private async attach(target: Target): Promise<void> {
    const s = await this.backend.open(this.opts.host, target, this.source)
    s.onMessage((m) => this.onMessage(m))
    s.onDetached((d) => void this.onDetached(d))
    try {
      const before = Date.now()
      const agentNow = await s.call<number>('now')
      // The agent stamps captures with the target's clock; a remote lab machine's may be off.
      this.clockOffset = Math.round((before + Date.now()) / 2 - agentNow)
      this.targetName = await this.nameOf(target, s.pid)
      this.session = s
      // Announced before the hooks go in, so that whoever records the run is ready for the first capture.
      this.emit('attach', { pid: s.pid, name: this.targetName })
      this.emit('hooks', await s.call<HookedFunction[]>('configure', this.config))
      await s.resume()
    } catch (err) {
      await ('spawn' in target ? s.kill() : s.detach()).catch(() => undefined)
      throw err
    }
  }

  private async nameOf(target: Target, pid: number): Promise<string> {
    if ('name' in target) return target.name
    if ('spawn' in target) return basename(target.spawn[0])
    const list = await this.backend.listProcesses(this.opts.host)
    return list.find((p) => p.pid === pid)?.name ?? ''
  }

  private onMessage({ message, data }: ScriptMessage): void {
    if (message.type === 'error') {
      this.emit('warning', `agent error: ${message.description ?? ''}`)
      return
    }
    const p = message.payload as AgentMessage
    if (p.type === 'capture') {
      const c: Capture = {
        t: p.t + this.clockOffset,
        conn: p.conn,
        fn: p.fn,
        module: p.module,
        dir: p.dir,
        peer: p.peer,
        thread: p.thread,
        data: data ?? new Uint8Array(0),
      }
      this.stats.captures++
      this.stats.bytes += c.data.length
      if (p.size > c.data.length && !this.truncatedFns.has(p.fn)) {
        this.truncatedFns.add(p.fn)
        this.emit('warning', `${p.fn} carried ${p.size} bytes; kept the first ${c.data.length} (the cap)`)
      }
      this.emit('capture', c)
    } else if (p.type === 'hooks') this.emit('hooks', p.hooks)
    else if (p.type === 'hook-error') this.emit('warning', `hook ${p.fn} in ${p.module} failed: ${p.message}`)
  }

  private async onDetached(d: DetachInfo): Promise<void> {
    this.session = null
    this.emit('detach', d)
    const end = endFor(d)
    if (
      this.stopping ||
      !this.opts.reattach ||
      end.status === 'completed' ||
      d.reason.startsWith('backend-died')
    ) {
      this.finish(this.stopping ? { status: 'completed', reason: 'stopped' } : end)
      return
    }
    this.emit('warning', `${end.reason}; waiting for "${this.targetName}" to start again`)
    await this.reattach()
  }

  private async reattach(): Promise<void> {
    // Injecting while the dynamic loader is still mapping the new process crashes the loader, and that
    // process stays unattachable; so a new pid is only attached once it has been seen for a while.
    const firstSeen = new Map<number, number>()
    while (!this.stopping) {
      try {
        const now = Date.now()
        const found = (await this.backend.listProcesses(this.opts.host)).filter(
          (p) => p.name === this.targetName,
        )
        for (const p of found) if (!firstSeen.has(p.pid)) firstSeen.set(p.pid, now)
        const ready = found.find((p) => now - (firstSeen.get(p.pid) ?? now) >= startupGraceMs)
        if (ready) {
          await this.attach({ pid: ready.pid })
          return
        }
      } catch (err) {
        this.emit('warning', `re-attach failed: ${errorMessage(err)}`)
      }
      await new Promise((r) => setTimeout(r, restartPollMs))
    }
    this.finish({ status: 'completed', reason: 'stopped' })
  }

  private finish(end: CaptureEnd): void {
    if (this.result) return
    this.result = end
    this.emit('end', end)
    this.resolveDone(end)
  }

  /** Detaches (the target keeps running) and ends the run as completed. */
  async stop(): Promise<CaptureEnd> {
    this.stopping = true
    const s = this.session
    if (s) await s.detach().catch(() => undefined)
    else if (!this.opts.reattach) this.finish({ status: 'completed', reason: 'stopped' })
    // A detach whose event never comes (device already gone) must not hang the caller.
    const timer = setTimeout(() => this.finish({ status: 'completed', reason: 'stopped' }), detachWaitMs)
    const end = await this.done
    clearTimeout(timer)
    return end
  }
}
