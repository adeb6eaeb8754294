import { EventEmitter } from 'node:events'
import { basename } from 'node:path'
import type {
  AgentConfig,
  AgentRuntime,
  AudioApiReport,
  CaptureMessage,
  HookGroup,
  HookedFunction,
  LibraryReport,
  LocatedMessage,
} from '../../agent/protocol'
import { defaultCap, hookGroups } from '../../agent/protocol'
import type { Capture, MicAccessSecond, SessionStatus } from '../../shared/model'
import { errorMessage, UserError } from '../errors'
import { micAccessSecond } from '../mic/access-seconds'
import { parseAgentMessage } from './agent-messages'
import type {
  AgentSession,
  DetachInfo,
  FridaBackend,
  ProcessInfo,
  ProcessTarget,
  ScriptMessage,
  Target,
} from './backend'
import { printable } from './bridge-protocol'
import { measureClockOffset, type ClockEstimate } from './clock-offset'
import { descendants, selectProcesses } from './process-tree'
import { leaveAlone } from './leave-alone'
import { loadTlsPatterns } from './tls-patterns'
import { within } from './within'

export interface CaptureOptions {
  /** A remote frida-server's HOST:PORT; null for this computer. */
  host: string | null
  target: Target
  /** Also the processes below the target and those it starts later (default: on for name and spawn). */
  tree?: boolean
  hooks?: HookGroup[]
  /** Bytes kept per call (default 1 MiB). */
  cap?: number
  filter?: { peer?: string | null; contains?: string | null }
  /** When the target exits or crashes, wait for a process with its name and attach again. */
  reattach?: boolean
  /** Processes never to attach to (MuteScope's own). */
  exclude?: number[]
  /** Also hook the audio-capture APIs: 'audioApis' on attach, then 'micAccess' every second. */
  micAccess?: boolean
  /**
   * A lab device (a portal or a frida-server): the run goes on until stopped, attaching the matching
   * processes that appear later (an app restarted on a lab machine joins the portal again) and, once they
   * are back, those lost with the device's link.
   */
  follow?: boolean
}

export interface CaptureEnd {
  status: Exclude<SessionStatus, 'running'>
  reason: string
}

export interface AttachInfo {
  pid: number
  name: string
  ppid: number | null
  path: string | null
  argv: string[] | null
  /** On a remote device: the Frida and system the agent runs in there. */
  runtime?: AgentRuntime
  /** Its clock against this computer's, measured at attach and applied to its timestamps. */
  clock?: ClockEstimate
}

/** A remote process that stopped answering: its machine or its link is down since `since` (its last answer). */
export interface DeviceLost {
  pid: number
  name: string
  since: number
  /** What showed it: its session ended, or it did not answer in time. */
  why: string
}

/** A lost process answering again (or attached again), after a gap of `gapMs`. */
export interface DeviceBack {
  pid: number
  name: string
  since: number
  gapMs: number
}

export interface UnseenTls {
  pid: number
  name: string
  conn: string
  peer: string
  records: number
  bytes: number
}

export interface CaptureEvents {
  attach: [AttachInfo]
  /** Functions hooked in one process: its whole inventory on attach, then additions as modules load. */
  hooks: [HookedFunction[], number]
  /** The TLS libraries found in one process and how each is reached. */
  libraries: [LibraryReport[], number]
  /** With micAccess: the audio-capture APIs in one process, all on attach, then each that loads later. */
  audioApis: [AudioApiReport[], number]
  /**
   * With micAccess: one second of one process's reads through one API, for every API that read or had a
   * capture stream open in that second.
   */
  micAccess: [MicAccessSecond]
  capture: [Capture]
  /** A TLS secret line (NSS key log format) from a process. */
  keylog: [string, number]
  /** The agent's console output. */
  log: [string, number]
  /** TLS records that left a process with no plaintext hook seeing them. */
  unseen: [UnseenTls]
  detach: [DetachInfo & { pid: number }]
  /** A remote device's process stopped answering: a gap in its captures begins (late ones may follow). */
  deviceLost: [DeviceLost]
  deviceBack: [DeviceBack]
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

/** Whether a local process still exists (a child that exited before it was hooked is no failure). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Said of a process that ended unattached. */
const notCaptured = 'what it sent was not captured'

const restartPollMs = 250
/** How often the process list is read to find new processes of a followed tree. */
const treePollMs = 400
const startupGraceMs = 750
/** The longest an attach, or the hooks going in (a first pattern scan included), may take on a loaded machine. */
const attachTimeoutMs = 60_000
/** Stop waits this long for detaches; a hung one is left to the backend's close, which ends the bridge. */
const detachWaitMs = 2000
/** How long a stop waits for each agent to hand over what it holds (a lost device never answers). */
const flushWaitMs = 2000
/** Processes attached at once: attaching is mostly waiting on each process, so a few go in parallel. */
const attachConcurrency = 4
/** Refused agent messages logged one by one before only the count goes on. */
const refusedLogged = 5
/** A remote process is asked for its clock this often; one that has not answered after `lostAfterMs` is lost. */
const heartbeatMs = 1000
const lostAfterMs = 4000
/** Round trips that measure a remote clock at attach: the shortest of them bounds the offset best. */
const remoteClockSamples = 8

interface Attached {
  info: AttachInfo
  session: AgentSession
  clockOffset: number
  /** When the heartbeat now waiting for its answer was sent; null when none is. */
  asked: number | null
  answered: number
}

/**
 * One live capture of an application: attaches to its processes (or spawns it, held so the first request is
 * hooked), follows the processes they start, configures the agent in each and streams Capture records as
 * events until stop(), the exit of every process, or the backend's death. The stream that the session store,
 * the telemetry decoder and the UI consume.
 */
export class CaptureRun extends EventEmitter<CaptureEvents> {
  private readonly procs = new Map<number, Attached>()
  /** Processes being attached now; the run is not over while one is. */
  private readonly opening = new Set<number>()
  private stopping = false
  private started = false
  private result: CaptureEnd | null = null
  private lastExit: CaptureEnd = { status: 'interrupted', reason: 'target exited' }
  private targetName = ''
  /** Below the attached processes, seen but not attached yet: the run is not over while there are any. */
  private readonly waiting = new Set<number>()
  /** Attached processes that exec()ed another program: attached again once it has started. */
  private readonly replaced = new Set<number>()
  /** Processes left alone (sandboxed, or attaching failed): not tried again. */
  private readonly ignored = new Set<number>()
  private readonly truncatedFns = new Set<string>()
  /** Remote processes that stopped answering, by pid: attached again (or heard from) when they are back. */
  private readonly lost = new Map<number, DeviceLost>()
  private listFailing = false
  private readonly located = new Map<string, LocatedMessage>()
  private readonly config: AgentConfig
  private readonly tree: boolean
  readonly stats = { captures: 0, bytes: 0, refused: 0, processes: 0, configured: 0, startedAt: Date.now() }
  readonly done: Promise<CaptureEnd>
  private resolveDone!: (e: CaptureEnd) => void

  constructor(
    private readonly backend: FridaBackend,
    private readonly source: string,
    readonly opts: CaptureOptions,
  ) {
    super()
    this.done = new Promise((resolve) => (this.resolveDone = resolve))
    this.tree = opts.tree ?? !('pids' in opts.target)
    this.config = {
      hooks: opts.hooks ?? [...hookGroups],
      cap: opts.cap ?? defaultCap,
      filter: {
        peer: opts.filter?.peer ?? null,
        contains: opts.filter?.contains ? [...Buffer.from(opts.filter.contains, 'utf8')] : null,
      },
      patterns: loadTlsPatterns(),
      located: [],
      micAccess: opts.micAccess ?? false,
    }
    backend.onRefused((why) => this.refuse(`bridge: ${why}`))
  }

  /** The processes attached now. */
  get pids(): number[] {
    return [...this.procs.keys()]
  }

  /** Attaches and lets the target run; rejects (with a UserError naming the fix) when nothing could be attached. */
  async start(): Promise<void> {
    const { target } = this.opts
    if ('spawn' in target) {
      this.targetName = basename(target.spawn[0])
      await this.open({ spawn: target.spawn, env: target.env }, this.targetName, null, null, target.spawn)
    } else await this.attachAll(target)
    this.started = true
    if (this.tree || this.opts.follow) void this.followTree()
    if (this.opts.host !== null) void this.heartbeat()
    this.endIfGone()
  }

  private async attachAll(target: Exclude<Target, { spawn: string[] }>): Promise<void> {
    const list = await this.backend.listProcesses(this.opts.host)
    const exclude = new Set([process.pid, ...(this.opts.exclude ?? [])])
    const given = new Set('pids' in target ? target.pids : [])
    const chosen = selectProcesses(list, target, this.tree, exclude).filter(
      (p) => given.has(p.pid) || !this.leaveAlone(p),
    )
    if (chosen.length === 0 && 'every' in target)
      throw new UserError(
        `no process has joined the portal at ${this.opts.host ?? 'this computer'} yet: start "mutescope lab-agent ` +
          '--portal HOST:PORT --token T --name APP" on the lab machine, then capture again',
        'not_found',
      )
    this.targetName = 'name' in target ? target.name : (chosen[0]?.name ?? '')
    const errors: unknown[] = []
    // Processes of one app share their binaries: the first one locates statically linked TLS code, the
    // others reuse its offsets (see `located`) instead of scanning the same file again.
    const queue = [...chosen]
    const worker = async (limit = Infinity) => {
      for (let p = queue.shift(), n = 0; p; p = ++n < limit ? queue.shift() : undefined) {
        try {
          await this.open({ pid: p.pid }, p.name, p.ppid, p.path, p.argv)
        } catch (err) {
          errors.push(err)
          if (chosen.length > 1)
            this.emit('warning', `could not attach to pid ${p.pid} (${p.name}): ${errorMessage(err)}`)
        }
      }
    }
    await worker(1)
    await Promise.all(Array.from({ length: Math.min(attachConcurrency, queue.length) }, () => worker()))
    if (this.procs.size === 0 && errors.length > 0) throw errors[0]
  }

  private async open(
    target: ProcessTarget,
    name: string,
    ppid: number | null,
    path: string | null,
    argv: string[] | null,
  ): Promise<void> {
    // Marked before Frida is asked, so that the tree's poller never attaches a second agent meanwhile.
    const known = 'pid' in target ? target.pid : null
    if (known !== null) this.opening.add(known)
    let s: AgentSession
    try {
      s = await within(
        this.backend.open(this.opts.host, target, this.source),
        attachTimeoutMs,
        `attaching to ${name || 'the target'}${known === null ? '' : ` (pid ${known})`}`,
        (late) => void ('spawn' in target ? late.kill() : late.detach()).catch(() => undefined),
      )
    } catch (err) {
      if (known !== null) this.opening.delete(known)
      throw err
    }
    this.opening.add(s.pid)
    try {
      // The agent stamps captures with the target's clock; a remote lab machine's may be off.
      const clock = await within(
        measureClockOffset(() => s.call<number>('now'), this.opts.host === null ? 1 : remoteClockSamples),
        attachTimeoutMs,
        `the agent in pid ${s.pid}`,
      )
      const runtime = this.opts.host === null ? undefined : await s.call<AgentRuntime>('runtime')
      const info: AttachInfo = { pid: s.pid, name, ppid, path, argv, clock, ...(runtime ? { runtime } : {}) }
      const p: Attached = {
        info,
        session: s,
        clockOffset: -Math.round(clock.offsetMs),
        asked: null,
        answered: Date.now(),
      }
      s.onMessage((m) => this.onMessage(p, m))
      s.onLog((_level, text) => this.emit('log', printable(text), s.pid))
      s.onDetached((d) => void this.onDetached(p, d))
      if (this.stopping) throw new Error('the capture is stopping')
      this.procs.set(s.pid, p)
      this.stats.processes++
      // Announced before the hooks go in, so that whoever records the run is ready for the first capture.
      this.emit('attach', info)
      if (runtime && runtime.frida !== this.backend.version)
        this.emit(
          'warning',
          `Frida versions differ: the workbench runs ${this.backend.version}, pid ${s.pid} on ${this.opts.host} ` +
            `runs ${runtime.frida}; install the same version on both ends if hooks or messages fail`,
        )
      this.welcomeBack(s.pid)
      // What earlier processes located travels along: the next process of the app hooks without scanning.
      const config: AgentConfig = { ...this.config, located: [...this.located.values()] }
      const hooks = await within(
        s.call<HookedFunction[]>('configure', config),
        attachTimeoutMs,
        `hooking pid ${s.pid}`,
      )
      this.emit('hooks', hooks, s.pid)
      this.stats.configured++
      await within(s.resume(), attachTimeoutMs, `resuming pid ${s.pid}`)
    } catch (err) {
      this.procs.delete(s.pid)
      // Frida's detach from a process whose agent failed can block for good: the start must still end.
      const undo = 'spawn' in target ? s.kill() : s.detach()
      await within(undo, detachWaitMs, `detaching from pid ${s.pid}`).catch(() => undefined)
      throw err
    } finally {
      this.opening.delete(s.pid)
    }
  }

  /**
   * Follows the tree: new processes below the attached ones are found by polling the process list, and
   * attached once they have run a while (`startupGraceMs`), as whatever they have become by then, unless
   * they are sandboxed. Frida's child gating would catch them earlier, but it holds every fork until the
   * host answers, and apps wait on their forks: Chromium's browser gives up on a zygote that does not
   * ping back within moments. A process that exec()s another program is re-attached the same way.
   */
  private async followTree(): Promise<void> {
    /** When each process waiting to be attached was first seen, and as what. */
    const seen = new Map<number, { at: number; name: string }>()
    const exclude = new Set([process.pid, ...(this.opts.exclude ?? [])])
    while (!this.stopping && !this.result) {
      try {
        const list = await this.backend.listProcesses(this.opts.host)
        this.listFailing = false
        if (this.opts.follow) this.attachJoined(list, exclude)
        if (!this.tree) continue
        const now = Date.now()
        const alive = new Set(list.map((p) => p.pid))
        const mine = new Set([...this.procs.keys(), ...this.replaced])
        for (const p of descendants(list, mine)) {
          if (
            exclude.has(p.pid) ||
            this.procs.has(p.pid) ||
            this.opening.has(p.pid) ||
            this.ignored.has(p.pid)
          )
            continue
          if (!seen.has(p.pid)) seen.set(p.pid, { at: now, name: p.name })
          this.waiting.add(p.pid)
        }
        const byPid = new Map(list.map((p) => [p.pid, p]))
        for (const pid of this.replaced) {
          if (!seen.has(pid)) seen.set(pid, { at: now, name: byPid.get(pid)?.name ?? '' })
          this.waiting.add(pid)
        }
        for (const pid of [...this.waiting]) {
          const first = seen.get(pid) ?? { at: now, name: '' }
          if (!alive.has(pid)) {
            this.waiting.delete(pid)
            this.replaced.delete(pid)
            seen.delete(pid)
            // Short-lived helpers (git's git-remote-https, say) may do the app's networking: never silently.
            // One never listed was an attached process still exiting when its detach came, not an exec.
            if (first.name)
              this.emit(
                'warning',
                `pid ${pid} (${first.name}) ended within ${now - first.at + treePollMs} ms, before it was attached ` +
                  `(a new process is attached once it has run ${startupGraceMs} ms): ${notCaptured}`,
              )
            continue
          }
          if (now - first.at < startupGraceMs) continue
          // One at a time until a process is configured (what it locates saves the others a scan), then
          // a few at once.
          if (this.opening.size >= (this.stats.configured > 0 ? attachConcurrency : 1)) break
          this.waiting.delete(pid)
          this.replaced.delete(pid)
          seen.delete(pid)
          const p = byPid.get(pid)!
          if (this.leaveAlone(p)) {
            this.ignored.add(pid)
            continue
          }
          void this.open({ pid }, p.name, p.ppid, p.path, p.argv).catch((err: unknown) => {
            if (this.opts.host !== null || processAlive(pid)) {
              this.ignored.add(pid)
              this.emit('warning', `could not attach to pid ${pid} (${p.name}): ${errorMessage(err)}`)
            } else
              this.emit('warning', `pid ${pid} (${p.name}) ended while it was being attached: ${notCaptured}`)
          })
        }
      } catch (err) {
        // Said once per outage: a lab device that is down fails every poll until it is back.
        if (!this.listFailing)
          this.emit('warning', `cannot list processes to follow the app: ${errorMessage(err)}`)
        this.listFailing = true
      } finally {
        this.endIfGone()
        await new Promise((r) => setTimeout(r, treePollMs))
      }
    }
  }

  /** Following a device: attaches the processes matching the target that are listed and not attached yet. */
  private attachJoined(list: ProcessInfo[], exclude: ReadonlySet<number>): void {
    const { target } = this.opts
    const wanted = (p: ProcessInfo) =>
      'every' in target ||
      this.lost.has(p.pid) ||
      ('name' in target ? p.name === target.name : 'pids' in target && target.pids.includes(p.pid))
    for (const p of list) {
      if (exclude.has(p.pid) || this.procs.has(p.pid) || this.opening.has(p.pid) || this.ignored.has(p.pid))
        continue
      if (!wanted(p)) continue
      void this.open({ pid: p.pid }, p.name, p.ppid, p.path, p.argv).catch((err: unknown) => {
        // A lost process is tried again at the next poll (its link may still be coming back); others once.
        if (this.lost.has(p.pid)) return
        this.ignored.add(p.pid)
        this.emit('warning', `could not attach to pid ${p.pid} (${p.name}): ${errorMessage(err)}`)
      })
    }
  }

  /**
   * Asks every process of a remote device for its clock each second: one that has not answered for
   * `lostAfterMs` is lost (its machine or link is down; Frida keeps the connection and what the agent sends
   * meanwhile arrives late), and back when it answers.
   */
  private async heartbeat(): Promise<void> {
    while (!this.stopping && !this.result) {
      const now = Date.now()
      for (const p of this.procs.values()) {
        if (p.asked === null) {
          p.asked = now
          void p.session.call<number>('now').then(
            () => {
              p.asked = null
              p.answered = Date.now()
              this.welcomeBack(p.info.pid)
            },
            () => (p.asked = null),
          )
        } else if (now - p.asked >= lostAfterMs)
          this.markLost(p.info, p.answered, `no answer for ${Math.round((now - p.answered) / 1000)} s`)
      }
      await new Promise((r) => setTimeout(r, heartbeatMs))
    }
  }

  private markLost(info: AttachInfo, since: number, why: string): void {
    if (this.lost.has(info.pid)) return
    const l: DeviceLost = { pid: info.pid, name: info.name, since, why }
    this.lost.set(info.pid, l)
    this.emit('deviceLost', l)
  }

  private welcomeBack(pid: number): void {
    const l = this.lost.get(pid)
    if (!l) return
    this.lost.delete(pid)
    this.emit('deviceBack', { pid, name: l.name, since: l.since, gapMs: Date.now() - l.since })
  }

  /** Without a followed tree: a process that exec()ed is attached again once its new program has started. */
  private async reattachReplaced(pid: number): Promise<void> {
    await new Promise((r) => setTimeout(r, startupGraceMs))
    try {
      const p = (await this.backend.listProcesses(this.opts.host)).find((x) => x.pid === pid)
      if (p && !this.stopping && !this.result && !this.leaveAlone(p))
        await this.open({ pid }, p.name, p.ppid, p.path, p.argv)
    } catch (err) {
      this.emit(
        'warning',
        `could not attach again to pid ${pid} after it started another program: ${errorMessage(err)}`,
      )
    } finally {
      this.replaced.delete(pid)
      this.endIfGone()
    }
  }

  /** Processes of a tree or a name that an agent would break, each named with the reason. */
  private leaveAlone(p: { pid: number; name: string; argv: string[] | null }): boolean {
    const left = leaveAlone(p, this.opts.host)
    if (left) this.emit('warning', `pid ${p.pid} (${p.name}) ${left.what}: not attached (${left.why})`)
    return left !== null
  }

  private refuse(why: string): void {
    this.stats.refused++
    if (this.stats.refused <= refusedLogged)
      this.emit('warning', `refused a malformed message (${printable(why)})`)
    else if (this.stats.refused === refusedLogged + 1)
      this.emit('warning', 'further malformed messages are counted, not logged')
  }

  private onMessage(p: Attached, { message, data }: ScriptMessage): void {
    if (message.type === 'error') {
      this.emit('warning', `agent error in pid ${p.info.pid}: ${printable(message.description ?? '')}`)
      return
    }
    const m = parseAgentMessage(message.payload)
    if (typeof m === 'string') return this.refuse(`agent in pid ${p.info.pid}: ${m}`)
    const pid = p.info.pid
    if (m.type === 'capture') this.onCapture(p, m, data ?? new Uint8Array(0))
    else if (m.type === 'captures') {
      const total = m.lengths.reduce((a, b) => a + b, 0)
      if (total !== (data?.length ?? 0))
        return this.refuse(`agent in pid ${pid}: a batch of ${total} bytes came with ${data?.length ?? 0}`)
      let at = 0
      m.items.forEach((item, i) => {
        this.onCapture(p, item, data!.subarray(at, (at += m.lengths[i])))
      })
    } else if (m.type === 'hooks') this.emit('hooks', m.hooks, pid)
    else if (m.type === 'hook-error')
      this.emit('warning', `hook ${m.fn} in ${m.module} (pid ${pid}) failed: ${printable(m.message)}`)
    else if (m.type === 'keylog') this.emit('keylog', m.line, pid)
    else if (m.type === 'located') this.located.set(m.key, m)
    else if (m.type === 'libraries') this.emit('libraries', m.libraries, pid)
    else if (m.type === 'audio-apis') this.emit('audioApis', m.apis, pid)
    else if (m.type === 'mic-access')
      for (const s of m.seconds) this.emit('micAccess', micAccessSecond(pid, p.clockOffset, s))
    else if (m.type === 'tls-unseen') {
      const { type: _type, ...rest } = m
      this.emit('unseen', { pid, name: p.info.name, ...rest })
    }
  }

  private onCapture(p: Attached, m: CaptureMessage, data: Uint8Array): void {
    const c: Capture = {
      t: m.t + p.clockOffset,
      conn: m.conn,
      fn: m.fn,
      module: m.module,
      dir: m.dir,
      peer: m.peer,
      thread: m.thread,
      pid: p.info.pid,
      data,
    }
    this.stats.captures++
    this.stats.bytes += c.data.length
    if (m.size > c.data.length && !this.truncatedFns.has(m.fn)) {
      this.truncatedFns.add(m.fn)
      this.emit('warning', `${m.fn} carried ${m.size} bytes; kept the first ${c.data.length} (the cap)`)
    }
    this.emit('capture', c)
  }

  private async onDetached(p: Attached, d: DetachInfo): Promise<void> {
    const pid = p.info.pid
    if (this.procs.get(pid) !== p) return
    this.procs.delete(pid)
    this.emit('detach', { ...d, pid })
    if (d.reason.startsWith('backend-died')) return this.finish(endFor(d))
    // exec(): the same pid runs another program now; it is attached again once that has started. Frida
    // says "process-terminated" for it too, so a pid that is still there has exec()ed, not exited.
    const execed =
      d.reason === 'process-replaced' ||
      (d.reason === 'process-terminated' && this.opts.host === null && processAlive(pid))
    if (execed) {
      this.replaced.add(pid)
      if (!this.tree) void this.reattachReplaced(pid)
      return
    }
    const end = endFor(d)
    // A lab device's link went down with the session: the process is attached again when it is back.
    if (this.opts.follow && end.status === 'failed' && !d.reason.startsWith('backend-died') && !this.stopping)
      this.markLost(p.info, p.answered, `the session ended (${d.reason})`)
    if (end.status === 'failed' || this.lastExit.status !== 'failed') this.lastExit = end
    this.endIfGone()
  }

  /** The run ends when none of its processes is left (and none is being attached). */
  private endIfGone(): void {
    const pending = this.opening.size + this.waiting.size + this.replaced.size
    if (!this.started || this.result || this.procs.size > 0 || pending > 0) return
    if (this.stopping) return this.finish({ status: 'completed', reason: 'stopped' })
    // A followed device's processes come and go (restarts, dropped links): only stop() ends the run.
    if (this.opts.follow) return
    if (this.opts.reattach && this.lastExit.status !== 'completed') {
      this.emit('warning', `${this.lastExit.reason}; waiting for "${this.targetName}" to start again`)
      void this.reattach()
      return
    }
    this.finish(this.lastExit)
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
          await this.attachAll({ pids: [ready.pid] })
          if (this.procs.size > 0) return
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
    if (this.stats.refused > 0)
      this.emit('warning', `refused ${this.stats.refused} malformed message(s) from the agent or bridge`)
    this.emit('end', end)
    this.resolveDone(end)
  }

  /** Detaches from every process (they keep running) and ends the run as completed, within a bounded time. */
  async stop(): Promise<CaptureEnd> {
    this.stopping = true
    // Messages the agents sent just before a detach may be dropped with it; a flush's reply comes after them.
    const flushed = [...this.procs.values()].map((p) =>
      within(p.session.call('flush'), flushWaitMs, `flushing pid ${p.info.pid}`).catch(() => undefined),
    )
    await Promise.all(flushed)
    const detaches = [...this.procs.values()].map((p) => p.session.detach().catch(() => undefined))
    const timer = setTimeout(() => this.finish({ status: 'completed', reason: 'stopped' }), detachWaitMs)
    void Promise.all(detaches).then(() => {
      // Detached events may never come from a device that is already gone.
      if (this.opening.size === 0) this.finish({ status: 'completed', reason: 'stopped' })
    })
    const end = await this.done
    clearTimeout(timer)
    return end
  }
}
