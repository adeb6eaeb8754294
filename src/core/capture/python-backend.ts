import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { UserError } from '../errors'
import { resourcePath } from '../paths'
import type {
  AgentSession,
  DetachInfo,
  FridaBackend,
  ProcessInfo,
  ProcessTarget,
  RawDeviceInfo,
  RemoteOptions,
  ScriptMessage,
} from './backend'
import { BridgeReader, maxBridgeLine, type BridgeLine, type PortalEvent } from './bridge-protocol'
import { explainFridaError } from './frida-errors'

interface Pending {
  resolve(v: unknown): void
  reject(e: { type?: string; message: string }): void
}

/** How long close() lets the bridge detach before ending it: a hung detach must not hold up the user. */
const closeWaitMs = 3000

/** The python that runs the bridge: MUTESCOPE_PYTHON, else python3 (python on Windows). */
export function pythonCommand(): string {
  const fromEnv = process.env.MUTESCOPE_PYTHON
  return fromEnv && fromEnv.length > 0 ? fromEnv : process.platform === 'win32' ? 'python' : 'python3'
}

class BridgeSession implements AgentSession {
  private messageListeners: ((m: ScriptMessage) => void)[] = []
  private logListeners: ((level: string, text: string) => void)[] = []
  private detachListeners: ((d: DetachInfo) => void)[] = []
  private ended = false

  constructor(
    private readonly bridge: PythonBackend,
    readonly id: number,
    readonly pid: number,
    private readonly host: string | null,
    private readonly suspended: boolean,
  ) {}

  call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.bridge.request('call', { session: this.id, method, args }) as Promise<T>
  }
  async resume(): Promise<void> {
    if (this.suspended) await this.bridge.request('resume', { host: this.host, pid: this.pid })
  }
  async detach(): Promise<void> {
    if (!this.ended) await this.bridge.request('detach', { session: this.id })
  }
  async kill(): Promise<void> {
    await this.bridge.request('kill', { host: this.host, pid: this.pid })
  }
  onMessage(listener: (m: ScriptMessage) => void): void {
    this.messageListeners.push(listener)
  }
  onLog(listener: (level: string, text: string) => void): void {
    this.logListeners.push(listener)
  }
  onDetached(listener: (d: DetachInfo) => void): void {
    this.detachListeners.push(listener)
  }
  deliver(m: ScriptMessage): void {
    for (const l of this.messageListeners) l(m)
  }
  log(level: string, text: string): void {
    for (const l of this.logListeners) l(level, text)
  }
  end(d: DetachInfo): void {
    if (this.ended) return
    this.ended = true
    for (const l of this.detachListeners) l(d)
  }
}

/** pip's frida driven through resources/frida-bridge.py: JSON lines over stdio, binary data raw after them. */
export class PythonBackend implements FridaBackend {
  readonly kind = 'python'
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly sessions = new Map<number, BridgeSession>()
  /** Detach events that beat the attach reply (target died while the agent loaded). */
  private readonly earlyDetach = new Map<number, DetachInfo>()
  private exited: string | null = null
  private readonly refusedListeners: ((why: string) => void)[] = []
  private readonly portalListeners: ((e: PortalEvent) => void)[] = []
  private readonly remotes = new Map<string, RemoteOptions>()

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly version: string,
  ) {}

  /** The bridge process's id, for diagnostics. */
  get pid(): number | undefined {
    return this.child.pid
  }

  /** Starts the bridge; fails with a UserError naming the fix when python or its frida is missing. */
  static start(python = pythonCommand()): Promise<PythonBackend> {
    return new Promise((resolve, reject) => {
      // stderr is inherited: a spawned target writes there too, and keeps a place to write after we exit.
      const child = spawn(python, ['-u', resourcePath('frida-bridge.py')], {
        stdio: ['pipe', 'pipe', 'inherit'],
      }) as unknown as ChildProcessWithoutNullStreams
      let backend: PythonBackend | undefined
      const noFrida = (detail: string) =>
        new UserError(
          `Frida is not available to ${python} (${detail}): run "${python} -m pip install frida", or set ` +
            'MUTESCOPE_PYTHON to a python that has it, or "npm install frida" for the node backend',
          'no_frida',
        )
      child.on('error', (err) => reject(noFrida(err.message)))
      child.stdin.on('error', () => undefined)
      child.on('exit', (code, signal) => {
        if (backend) backend.died(`exit ${code ?? signal}`)
        else reject(noFrida(`the bridge exited with ${code ?? signal}`))
      })
      const reader = new BridgeReader(
        maxBridgeLine,
        (msg, data) => {
          if (backend) backend.onLine(msg, data)
          else if ('event' in msg && msg.event === 'ready')
            resolve((backend = new PythonBackend(child, msg.frida)))
          else if ('event' in msg && msg.event === 'fatal') reject(noFrida(msg.message))
        },
        (why) => backend?.refuse(why),
      )
      child.stdout.on('data', (chunk: Buffer) => reader.push(chunk))
    })
  }

  request(op: string, params: Record<string, unknown> = {}): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error(`the Frida bridge has exited (${this.exited})`))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      // Frida's error type travels along for explainFridaError; the message is what users read.
      const fail = (e: { type?: string; message: string }) =>
        reject(Object.assign(new Error(e.message), { type: e.type }))
      this.pending.set(id, { resolve, reject: fail })
      this.child.stdin.write(JSON.stringify({ id, op, ...params }) + '\n')
    })
  }

  /** A line from the bridge that is not its protocol: reported, never trusted. */
  private refuse(why: string): void {
    for (const l of this.refusedListeners) l(why)
  }

  onRefused(listener: (why: string) => void): void {
    this.refusedListeners.push(listener)
  }

  private onLine(msg: BridgeLine, data: Buffer | null): void {
    if ('id' in msg) {
      if (msg.id === null) return this.refuse(`bridge error: ${msg.ok ? '' : msg.error.message}`)
      const p = this.pending.get(msg.id)
      this.pending.delete(msg.id)
      if (msg.ok) p?.resolve(msg.result)
      else p?.reject(msg.error)
    } else if (msg.event === 'message') {
      this.sessions.get(msg.session)?.deliver({ message: msg.message, data })
    } else if (msg.event === 'log') this.sessions.get(msg.session)?.log(msg.level, msg.text)
    else if (msg.event === 'detached') {
      const s = this.sessions.get(msg.session)
      if (s) s.end({ reason: msg.reason, crash: msg.crash })
      else this.earlyDetach.set(msg.session, { reason: msg.reason, crash: msg.crash })
      this.sessions.delete(msg.session)
    } else if (msg.event === 'portal') {
      const { event: _event, ...e } = msg
      for (const l of this.portalListeners) l(e)
    } else if (msg.event === 'fatal') this.refuse(`bridge: ${msg.message}`)
  }

  private died(why: string): void {
    this.exited = why
    for (const p of this.pending.values()) p.reject({ message: `the Frida bridge died (${why})` })
    this.pending.clear()
    for (const s of this.sessions.values()) s.end({ reason: `backend-died: ${why}`, crash: null })
    this.sessions.clear()
  }

  private async ask<T>(
    op: string,
    params: Record<string, unknown>,
    target: ProcessTarget | null,
    host: string | null,
  ) {
    try {
      return (await this.request(op, params)) as T
    } catch (err) {
      throw explainFridaError(err as { type?: string; message: string }, target, host, this.remote(host))
    }
  }

  private remote(host: string | null) {
    const r = host === null ? undefined : this.remotes.get(host)
    return r ? { ...r, version: this.version } : null
  }

  async addRemote(address: string, options: RemoteOptions): Promise<void> {
    await this.request('remote', { address, token: options.token, certificate: options.certificate })
    this.remotes.set(address, options)
  }

  deviceInfo(host: string | null): Promise<RawDeviceInfo> {
    return this.ask<RawDeviceInfo>('device_info', { host }, null, host)
  }

  /**
   * Attaches to a local process without a script of ours and joins it to the portal at `portal` (HOST:PORT):
   * the workbench then reaches it through the portal. The session ends when the process does.
   */
  async joinPortal(
    pid: number,
    portal: string,
    options: { token: string; certificate: string | null },
  ): Promise<AgentSession> {
    const target = { pid }
    const r = await this.ask<{ session: number; pid: number }>(
      'attach',
      { host: null, pid, source: null },
      target,
      null,
    )
    const s = this.track(new BridgeSession(this, r.session, r.pid, null, false))
    try {
      await this.request('join', { session: r.session, portal, ...options })
    } catch (err) {
      await s.detach().catch(() => undefined)
      throw explainFridaError(err as { type?: string; message: string }, target, null, {
        label: `the portal at ${portal}`,
        token: options.token,
        certificate: options.certificate,
        version: this.version,
      })
    }
    return s
  }

  /** Runs Frida's PortalService here: lab machines join at `cluster`, the workbench controls at `control`. */
  async startPortal(options: {
    cluster: { address: string; port: number }
    control: { address: string; port: number }
    token: string
    certificate: string | null
  }): Promise<void> {
    try {
      await this.request('portal_start', options)
    } catch (err) {
      const e = err as { type?: string; message: string }
      if (e.type === 'AddressInUseError')
        throw new UserError(`${e.message}: another program listens there; choose another port`, 'in_use')
      throw new UserError(`cannot start the portal: ${e.message}`, 'frida_error')
    }
  }

  async stopPortal(): Promise<void> {
    await this.request('portal_stop')
  }

  /** The portal's node and controller events (lab machines joining and leaving). */
  onPortal(listener: (e: PortalEvent) => void): void {
    this.portalListeners.push(listener)
  }

  listProcesses(host: string | null): Promise<ProcessInfo[]> {
    return this.ask<ProcessInfo[]>('processes', { host }, null, host)
  }

  async open(host: string | null, target: ProcessTarget, source: string): Promise<AgentSession> {
    const spawned = 'spawn' in target
    const r = await this.ask<{ session: number; pid: number }>(
      spawned ? 'spawn' : 'attach',
      spawned
        ? { host, argv: target.spawn, env: target.env ?? null, source }
        : { host, pid: target.pid, source },
      target,
      host,
    )
    return this.track(new BridgeSession(this, r.session, r.pid, host, spawned))
  }

  /** Delivers the session's events from now on, and a detach that beat the attach reply. */
  private track(s: BridgeSession): BridgeSession {
    const early = this.earlyDetach.get(s.id)
    this.earlyDetach.delete(s.id)
    if (early) queueMicrotask(() => s.end(early))
    else this.sessions.set(s.id, s)
    return s
  }

  async close(): Promise<void> {
    if (this.exited) return
    const gone = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.stdin.end()
    // Detaching from a hung target or an unreachable remote device can block; the bridge is ours to end then.
    const timer = setTimeout(() => this.child.kill('SIGKILL'), closeWaitMs)
    await gone
    clearTimeout(timer)
  }
}
