import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { UserError } from '../errors'
import { resourcePath } from '../paths'
import type { AgentSession, DetachInfo, FridaBackend, ProcessInfo, ScriptMessage, Target } from './backend'
import { explainFridaError } from './frida-errors'

type BridgeLine =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { type: string; message: string } }
  | { event: 'ready'; frida: string }
  | { event: 'fatal'; code: string; message: string }
  | { event: 'message'; session: number; message: ScriptMessage['message']; data: string | null }
  | { event: 'detached'; session: number; reason: string; crash: DetachInfo['crash'] }

interface Pending {
  resolve(v: unknown): void
  reject(e: { type?: string; message: string }): void
}

const closeWaitMs = 5000

/** The python that runs the bridge: MUTESCOPE_PYTHON, else python3 (python on Windows). */
export function pythonCommand(): string {
  const fromEnv = process.env.MUTESCOPE_PYTHON
  return fromEnv && fromEnv.length > 0 ? fromEnv : process.platform === 'win32' ? 'python' : 'python3'
}

class BridgeSession implements AgentSession {
  private messageListeners: ((m: ScriptMessage) => void)[] = []
  private detachListeners: ((d: DetachInfo) => void)[] = []
  private ended = false

  constructor(
    private readonly bridge: PythonBackend,
    readonly id: number,
    readonly pid: number,
    private readonly host: string | null,
    private readonly spawned: boolean,
  ) {}

  call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.bridge.request('call', { session: this.id, method, args }) as Promise<T>
  }
  async resume(): Promise<void> {
    if (this.spawned) await this.bridge.request('resume', { host: this.host, pid: this.pid })
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
  onDetached(listener: (d: DetachInfo) => void): void {
    this.detachListeners.push(listener)
  }
  deliver(m: ScriptMessage): void {
    for (const l of this.messageListeners) l(m)
  }
  end(d: DetachInfo): void {
    if (this.ended) return
    this.ended = true
    for (const l of this.detachListeners) l(d)
  }
}

/** pip's frida driven through resources/frida-bridge.py: JSON lines over stdio, binary data in base64. */
export class PythonBackend implements FridaBackend {
  readonly kind = 'python'
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly sessions = new Map<number, BridgeSession>()
  /** Detach events that beat the attach reply (target died while the agent loaded). */
  private readonly earlyDetach = new Map<number, DetachInfo>()
  private stderrTail = ''
  private exited: string | null = null

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
      const child = spawn(python, ['-u', resourcePath('frida-bridge.py')], {
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let backend: PythonBackend | undefined
      let stderr = ''
      const noFrida = (detail: string) =>
        new UserError(
          `Frida is not available to ${python} (${detail}): run "${python} -m pip install frida", or set ` +
            'MUTESCOPE_PYTHON to a python that has it, or "npm install frida" for the node backend',
          'no_frida',
        )
      child.on('error', (err) => reject(noFrida(err.message)))
      child.stderr.on('data', (d: Buffer) => {
        if (backend) backend.stderrTail = (backend.stderrTail + d.toString()).slice(-4000)
        else stderr = (stderr + d.toString()).slice(-4000)
      })
      child.on('exit', (code, signal) => {
        if (backend)
          backend.died(`exit ${code ?? signal}${backend.stderrTail ? `: ${backend.stderrTail.trim()}` : ''}`)
        else reject(noFrida(`the bridge exited with ${code ?? signal}${stderr ? `: ${stderr.trim()}` : ''}`))
      })
      const lines = createInterface({ input: child.stdout })
      lines.on('line', (line) => {
        const msg = JSON.parse(line) as BridgeLine
        if (backend) backend.onLine(msg)
        else if ('event' in msg && msg.event === 'ready')
          resolve((backend = new PythonBackend(child, msg.frida)))
        else if ('event' in msg && msg.event === 'fatal') reject(noFrida(msg.message))
      })
    })
  }

  request(op: string, params: Record<string, unknown> = {}): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error(`the Frida bridge has exited (${this.exited})`))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.child.stdin.write(JSON.stringify({ id, op, ...params }) + '\n')
    })
  }

  private onLine(msg: BridgeLine): void {
    if ('id' in msg) {
      const p = this.pending.get(msg.id)
      this.pending.delete(msg.id)
      if (msg.ok) p?.resolve(msg.result)
      else p?.reject(msg.error)
    } else if (msg.event === 'message') {
      const data = msg.data === null ? null : new Uint8Array(Buffer.from(msg.data, 'base64'))
      this.sessions.get(msg.session)?.deliver({ message: msg.message, data })
    } else if (msg.event === 'detached') {
      const s = this.sessions.get(msg.session)
      if (s) s.end({ reason: msg.reason, crash: msg.crash })
      else this.earlyDetach.set(msg.session, { reason: msg.reason, crash: msg.crash })
      this.sessions.delete(msg.session)
    }
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
    target: Target | null,
    host: string | null,
  ) {
    try {
      return (await this.request(op, params)) as T
    } catch (err) {
      throw explainFridaError(err as { type?: string; message: string }, target, host)
    }
  }

  listProcesses(host: string | null): Promise<ProcessInfo[]> {
    return this.ask<ProcessInfo[]>('processes', { host }, null, host)
  }

  async open(host: string | null, target: Target, source: string): Promise<AgentSession> {
    const params = 'spawn' in target ? { host, argv: target.spawn, source } : { host, ...target, source }
    const r = await this.ask<{ session: number; pid: number }>(
      'spawn' in target ? 'spawn' : 'attach',
      params,
      target,
      host,
    )
    const s = new BridgeSession(this, r.session, r.pid, host, 'spawn' in target)
    const early = this.earlyDetach.get(r.session)
    this.earlyDetach.delete(r.session)
    if (early) queueMicrotask(() => s.end(early))
    else this.sessions.set(r.session, s)
    return s
  }

  async close(): Promise<void> {
    if (this.exited) return
    const gone = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.stdin.end()
    // Detaching from an unreachable remote device can hang; the bridge is ours to end then.
    const timer = setTimeout(() => this.child.kill('SIGKILL'), closeWaitMs)
    await gone
    clearTimeout(timer)
  }
}
