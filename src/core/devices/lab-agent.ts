import { spawn, type ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import type { AgentSession, ProcessInfo } from '../capture/backend'
import { leaveAlone } from '../capture/leave-alone'
import type { PythonBackend } from '../capture/python-backend'
import { descendants } from '../capture/process-tree'
import { errorMessage, UserError } from '../errors'

export interface LabAgentOptions {
  /** The workbench portal's cluster endpoint, HOST:PORT. */
  portal: string
  token: string
  /** PEM certificate the portal's TLS must present; null for plain TCP. */
  certificate: string | null
  /** The app: processes by pid or name, or a command the agent starts. */
  target: { pids: number[] } | { name: string } | { spawn: string[] }
  /** Also the processes below the app's, and those it starts later. */
  tree: boolean
  /** Processes never to join (MuteScope's own). */
  exclude: number[]
}

export interface LabAgentEvents {
  joined: [{ pid: number; name: string }]
  left: [{ pid: number; name: string; reason: string }]
  /** A join that failed and is tried again after `retryMs` (the portal is down or the link is). */
  retry: [{ pid: number; name: string; error: string; retryMs: number }]
  warning: [string]
}

/** How often the local process list is read for the app's new processes and restarts. */
const pollMs = 500
/** A process seen for the first time is joined once it has run this long (not while its loader maps it). */
const startupGraceMs = 750
/** Bounded backoff between a process's failed joins. */
const firstRetryMs = 1000
const maxRetryMs = 30_000
/** Refusals no retry can fix: the portal's token, certificate or Frida protocol. */
const fatalCodes = new Set(['auth', 'tls', 'version'])

/**
 * A lab machine's side of the portal: attaches to the app's processes here and joins each to the workbench's
 * portal, whose controllers (the workbench) then attach to them through it. Frida's portal client, inside
 * each joined process, reconnects by itself after a dropped link; the agent joins the app's new processes, an
 * app that starts again (by name), and processes whose join failed (bounded backoff). With --pid or --spawn it
 * ends once the app has exited; with --name it waits for the app to start again.
 */
export class LabAgent extends EventEmitter<LabAgentEvents> {
  private readonly joined = new Map<number, { name: string; session: AgentSession }>()
  private readonly joining = new Set<number>()
  private readonly ignored = new Set<number>()
  private readonly firstSeen = new Map<number, number>()
  private readonly backoff = new Map<number, { at: number; delay: number }>()
  private roots: number[] = []
  private child: ChildProcess | null = null
  private stopping = false
  private ended!: (why: string) => void
  /** A refusal that ended the agent (the portal's token, certificate or Frida protocol). */
  failed: Error | null = null
  /** Resolves with why the agent ended: stopped, the app exited, or refused (then `failed` says how). */
  readonly done: Promise<string>

  constructor(
    private readonly backend: PythonBackend,
    private readonly opts: LabAgentOptions,
  ) {
    super()
    this.done = new Promise<string>((resolve) => (this.ended = resolve))
  }

  get pids(): number[] {
    return [...this.joined.keys()]
  }

  /** Starts the app if asked to, and joins what runs of it now; later joins happen as it goes. */
  async start(): Promise<void> {
    const { target } = this.opts
    if ('spawn' in target) {
      const child = spawn(target.spawn[0], target.spawn.slice(1), { stdio: 'inherit' })
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve)
        child.once('error', (err) =>
          reject(new UserError(`cannot start "${target.spawn.join(' ')}": ${err.message}`, 'not_found')),
        )
      })
      this.child = child
      this.roots = [child.pid!]
    } else if ('pids' in target) this.roots = [...target.pids]
    const list = await this.backend.listProcesses(null)
    const now = Date.now()
    // What runs already is joined at once (a process just spawned by us still gets its grace).
    for (const p of list) this.firstSeen.set(p.pid, this.child ? now : now - startupGraceMs)
    if ('name' in target && !list.some((p) => p.name === target.name))
      throw new UserError(
        `no process named "${target.name}" runs here: start the app first ("mutescope processes" lists them)`,
        'not_found',
      )
    if ('pids' in target && !list.some((p) => target.pids.includes(p.pid)))
      throw new UserError(`no process ${target.pids.join(', ')} runs here: check the pid`, 'not_found')
    const mine = this.candidates(list)
    // The first join says at once whether the portal takes us (a wrong token ends the agent here).
    await Promise.all(mine.map((p) => this.join(p)))
    if (this.failed) throw this.failed
    void this.follow()
  }

  /** The processes to join now: the app's roots and, with the tree, everything below them and the joined. */
  private candidates(list: ProcessInfo[]): ProcessInfo[] {
    const { target } = this.opts
    const exclude = new Set([process.pid, ...this.opts.exclude])
    const roots =
      'name' in target
        ? list.filter((p) => p.name === target.name)
        : list.filter((p) => this.roots.includes(p.pid))
    const below = this.opts.tree
      ? descendants(list, new Set([...roots.map((p) => p.pid), ...this.joined.keys()]))
      : []
    const now = Date.now()
    return [...roots, ...below].filter(
      (p) =>
        !exclude.has(p.pid) &&
        !this.joined.has(p.pid) &&
        !this.joining.has(p.pid) &&
        !this.ignored.has(p.pid) &&
        now - (this.firstSeen.get(p.pid) ?? now) >= startupGraceMs &&
        now >= (this.backoff.get(p.pid)?.at ?? 0) &&
        !this.leaveAlone(p),
    )
  }

  private leaveAlone(p: ProcessInfo): boolean {
    const left = leaveAlone(p, null)
    if (!left) return false
    this.ignored.add(p.pid)
    this.emit('warning', `pid ${p.pid} (${p.name}) ${left.what}: not joined (${left.why})`)
    return true
  }

  private async join(p: ProcessInfo): Promise<void> {
    this.joining.add(p.pid)
    try {
      const session = await this.backend.joinPortal(p.pid, this.opts.portal, {
        token: this.opts.token,
        certificate: this.opts.certificate,
      })
      this.backoff.delete(p.pid)
      if (this.stopping) return void (await session.detach().catch(() => undefined))
      this.joined.set(p.pid, { name: p.name, session })
      session.onDetached((d) => {
        this.joined.delete(p.pid)
        this.emit('left', { pid: p.pid, name: p.name, reason: d.reason })
      })
      this.emit('joined', { pid: p.pid, name: p.name })
    } catch (err) {
      if (err instanceof UserError && fatalCodes.has(err.code)) {
        this.failed ??= err
        return this.finish('refused')
      }
      if (err instanceof UserError && err.code === 'not_found') return // it exited meanwhile
      const delay = Math.min(maxRetryMs, (this.backoff.get(p.pid)?.delay ?? firstRetryMs / 2) * 2)
      this.backoff.set(p.pid, { at: Date.now() + delay, delay })
      this.emit('retry', { pid: p.pid, name: p.name, error: errorMessage(err), retryMs: delay })
    } finally {
      this.joining.delete(p.pid)
    }
  }

  private async follow(): Promise<void> {
    let listFailing = false
    while (!this.stopping) {
      await new Promise((r) => setTimeout(r, pollMs))
      if (this.stopping) break
      try {
        const list = await this.backend.listProcesses(null)
        listFailing = false
        const now = Date.now()
        const alive = new Set(list.map((p) => p.pid))
        for (const pid of this.firstSeen.keys()) if (!alive.has(pid)) this.firstSeen.delete(pid)
        for (const p of list) if (!this.firstSeen.has(p.pid)) this.firstSeen.set(p.pid, now)
        for (const p of this.candidates(list)) void this.join(p)
        const gone = !('name' in this.opts.target) && !this.roots.some((pid) => alive.has(pid))
        if (gone && this.joined.size === 0 && this.joining.size === 0) this.finish('the app exited')
      } catch (err) {
        if (!listFailing) this.emit('warning', `cannot list this computer's processes: ${errorMessage(err)}`)
        listFailing = true
      }
    }
  }

  private finish(why: string): void {
    if (this.stopping) return
    this.stopping = true
    this.ended(why)
  }

  /** Leaves the portal (the app keeps running, a started one too) within a bounded time. */
  async stop(): Promise<void> {
    this.finish('stopped')
    await Promise.all([...this.joined.values()].map((j) => j.session.detach().catch(() => undefined)))
  }
}
