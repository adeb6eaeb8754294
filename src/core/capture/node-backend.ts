import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { UserError } from '../errors'
import type { AgentSession, DetachInfo, FridaBackend, ProcessInfo, ScriptMessage, Target } from './backend'
import { explainFridaError } from './frida-errors'

/** The parts of the `frida` npm package (v17) used here; it is optional, so its own types may be absent. */
interface Signal<H> {
  connect(handler: H): void
}
interface FridaScript {
  readonly message: Signal<(message: ScriptMessage['message'], data: Buffer | null) => void>
  readonly exports: Record<string, (...args: unknown[]) => Promise<unknown>>
  load(): Promise<void>
}
interface FridaSession {
  readonly detached: Signal<(reason: string, crash: { summary: string; report: string } | null) => void>
  createScript(source: string): Promise<FridaScript>
  detach(): Promise<void>
}
interface FridaDevice {
  enumerateProcesses(): Promise<ProcessInfo[]>
  attach(target: number): Promise<FridaSession>
  spawn(argv: string[], options: { stdio: 'pipe' }): Promise<number>
  resume(pid: number): Promise<void>
  kill(pid: number): Promise<void>
}
interface FridaModule {
  getLocalDevice(): Promise<FridaDevice>
  getDeviceManager(): { addRemoteDevice(address: string): Promise<FridaDevice> }
}

/** The installed binding's version; its package.json is not exported, so it is found along the module paths. */
function installedVersion(): string {
  const paths = createRequire(__filename).resolve.paths('frida') ?? []
  for (const dir of paths) {
    const pkg = join(dir, 'frida', 'package.json')
    if (existsSync(pkg)) return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version
  }
  return 'unknown'
}

/** Loads the optional binding; null when it is not installed (its native download needs GitHub). */
export async function loadNodeFrida(): Promise<FridaModule | null> {
  const name = 'frida'
  try {
    const mod = (await import(name)) as { default?: FridaModule } & FridaModule
    return mod.default ?? mod
  } catch {
    return null
  }
}

/** The `frida` npm binding (Node-API), used in-process. */
export class NodeBackend implements FridaBackend {
  readonly kind = 'node'
  private readonly devices = new Map<string, Promise<FridaDevice>>()

  private constructor(
    private readonly frida: FridaModule,
    readonly version: string,
  ) {}

  static async start(): Promise<NodeBackend> {
    const frida = await loadNodeFrida()
    if (!frida)
      throw new UserError(
        'the npm "frida" binding is not installed: run "npm install frida", or use --backend python after "pip install frida"',
        'no_frida',
      )
    return new NodeBackend(frida, installedVersion())
  }

  private device(host: string | null): Promise<FridaDevice> {
    const key = host ?? ''
    let d = this.devices.get(key)
    if (!d) {
      d = host ? this.frida.getDeviceManager().addRemoteDevice(host) : this.frida.getLocalDevice()
      this.devices.set(key, d)
    }
    return d
  }

  async listProcesses(host: string | null): Promise<ProcessInfo[]> {
    try {
      const list = await (await this.device(host)).enumerateProcesses()
      return list.map((p) => ({ pid: p.pid, name: p.name }))
    } catch (err) {
      throw explainFridaError(err as Error, null, host)
    }
  }

  async open(host: string | null, target: Target, source: string): Promise<AgentSession> {
    try {
      const device = await this.device(host)
      let pid: number
      if ('spawn' in target) pid = await device.spawn(target.spawn, { stdio: 'pipe' })
      else if ('pid' in target) pid = target.pid
      else {
        const matches = (await device.enumerateProcesses()).filter((p) => p.name === target.name)
        if (matches.length === 0) throw new Error(`unable to find process with name '${target.name}'`)
        pid = Math.min(...matches.map((p) => p.pid))
      }
      try {
        return await this.load(device, pid, 'spawn' in target, source)
      } catch (err) {
        if ('spawn' in target) await device.kill(pid).catch(() => undefined)
        throw err
      }
    } catch (err) {
      throw explainFridaError(err as Error, target, host)
    }
  }

  private async load(
    device: FridaDevice,
    pid: number,
    spawned: boolean,
    source: string,
  ): Promise<AgentSession> {
    const session = await device.attach(pid)
    const script = await session.createScript(source)
    const onMessage: ((m: ScriptMessage) => void)[] = []
    const onDetached: ((d: DetachInfo) => void)[] = []
    let ended: DetachInfo | null = null
    script.message.connect((message, data) => {
      for (const l of onMessage) l({ message, data: data && new Uint8Array(data) })
    })
    session.detached.connect((reason, crash) => {
      ended = { reason, crash: crash && { summary: crash.summary, report: crash.report } }
      for (const l of onDetached) l(ended)
    })
    await script.load()
    return {
      pid,
      call: async <T>(method: string, ...args: unknown[]) => (await script.exports[method](...args)) as T,
      resume: async () => {
        if (spawned) await device.resume(pid)
      },
      detach: async () => {
        if (!ended) await session.detach()
      },
      kill: () => device.kill(pid),
      onMessage: (l) => onMessage.push(l),
      onDetached: (l) => {
        if (ended) l(ended)
        else onDetached.push(l)
      },
    }
  }

  async close(): Promise<void> {}
}
