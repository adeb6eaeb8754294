import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { UserError } from '../errors'
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
import { explainFridaError } from './frida-errors'

/** The parts of the `frida` npm package (v17) used here; it is optional, so its own types may be absent. */
interface Signal<H> {
  connect(handler: H): void
}
interface FridaScript {
  readonly message: Signal<(message: ScriptMessage['message'], data: Buffer | null) => void>
  readonly exports: Record<string, (...args: unknown[]) => Promise<unknown>>
  logHandler: (level: string, text: string) => void
  load(): Promise<void>
}
interface FridaSession {
  readonly detached: Signal<(reason: string, crash: { summary: string; report: string } | null) => void>
  createScript(source: string): Promise<FridaScript>
  detach(): Promise<void>
}
interface FridaProcess {
  pid: number
  name: string
  parameters: { ppid?: number; path?: string; argv?: string[]; system?: unknown }
}
interface FridaDevice {
  enumerateProcesses(options: { scope: 'full' }): Promise<FridaProcess[]>
  attach(target: number): Promise<FridaSession>
  spawn(argv: string[], options: { stdio: 'inherit'; env?: Record<string, string> }): Promise<number>
  resume(pid: number): Promise<void>
  kill(pid: number): Promise<void>
  querySystemParameters(): Promise<unknown>
}
interface FridaModule {
  getLocalDevice(): Promise<FridaDevice>
  getDeviceManager(): {
    addRemoteDevice(address: string, options?: { token?: string; certificate?: string }): Promise<FridaDevice>
    removeRemoteDevice(address: string): Promise<void>
  }
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
  private readonly remotes = new Map<string, RemoteOptions>()

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
      const r = host ? this.remotes.get(host) : undefined
      const options = {
        ...(r?.token ? { token: r.token } : {}),
        ...(r?.certificate ? { certificate: r.certificate } : {}),
      }
      d = host ? this.frida.getDeviceManager().addRemoteDevice(host, options) : this.frida.getLocalDevice()
      this.devices.set(key, d)
    }
    return d
  }

  private remote(host: string | null) {
    const r = host === null ? undefined : this.remotes.get(host)
    return r ? { ...r, version: this.version } : null
  }

  async addRemote(address: string, options: RemoteOptions): Promise<void> {
    this.remotes.set(address, options)
    // The device manager keeps one device per address: new options need a new device.
    if (this.devices.delete(address))
      await this.frida
        .getDeviceManager()
        .removeRemoteDevice(address)
        .catch(() => undefined)
  }

  /** The system parameters; a portal has none, and its processes are listed without probing their Frida. */
  async deviceInfo(host: string | null): Promise<RawDeviceInfo> {
    try {
      const device = await this.device(host)
      try {
        return { system: await device.querySystemParameters(), processes: null }
      } catch (err) {
        if (!/not supported/i.test((err as Error).message)) throw err
      }
      const list = await device.enumerateProcesses({ scope: 'full' })
      return {
        system: null,
        processes: list.map((p) => ({ pid: p.pid, name: p.name, system: p.parameters.system, frida: null })),
      }
    } catch (err) {
      throw explainFridaError(err as Error, null, host, this.remote(host))
    }
  }

  async listProcesses(host: string | null): Promise<ProcessInfo[]> {
    try {
      const list = await (await this.device(host)).enumerateProcesses({ scope: 'full' })
      return list.map((p) => ({
        pid: p.pid,
        name: p.name,
        ppid: p.parameters.ppid ?? null,
        path: p.parameters.path ?? null,
        argv: p.parameters.argv ?? null,
      }))
    } catch (err) {
      throw explainFridaError(err as Error, null, host, this.remote(host))
    }
  }

  async open(host: string | null, target: ProcessTarget, source: string): Promise<AgentSession> {
    try {
      const device = await this.device(host)
      const spawned = 'spawn' in target
      const pid = spawned
        ? await device.spawn(target.spawn, {
            stdio: 'inherit',
            ...(target.env ? { env: { ...(process.env as Record<string, string>), ...target.env } } : {}),
          })
        : target.pid
      try {
        return await this.load(device, pid, spawned, source)
      } catch (err) {
        if (spawned) await device.kill(pid).catch(() => undefined)
        throw err
      }
    } catch (err) {
      throw explainFridaError(err as Error, target, host, this.remote(host))
    }
  }

  private async load(
    device: FridaDevice,
    pid: number,
    suspended: boolean,
    source: string,
  ): Promise<AgentSession> {
    const session = await device.attach(pid)
    const script = await session.createScript(source)
    const onMessage: ((m: ScriptMessage) => void)[] = []
    const onLog: ((level: string, text: string) => void)[] = []
    const onDetached: ((d: DetachInfo) => void)[] = []
    let ended: DetachInfo | null = null
    script.message.connect((message, data) => {
      for (const l of onMessage) l({ message, data: data && new Uint8Array(data) })
    })
    script.logHandler = (level, text) => {
      for (const l of onLog) l(level, text)
    }
    session.detached.connect((reason, crash) => {
      ended = { reason, crash: crash && { summary: crash.summary, report: crash.report } }
      for (const l of onDetached) l(ended)
    })
    await script.load()
    return {
      pid,
      call: async <T>(method: string, ...args: unknown[]) => (await script.exports[method](...args)) as T,
      resume: async () => {
        if (suspended) await device.resume(pid)
      },
      detach: async () => {
        if (!ended) await session.detach()
      },
      kill: () => device.kill(pid),
      onMessage: (l) => onMessage.push(l),
      onLog: (l) => onLog.push(l),
      onDetached: (l) => {
        if (ended) l(ended)
        else onDetached.push(l)
      },
    }
  }

  /** In-process, nothing arrives as text to refuse; agent messages are checked by the capture run. */
  onRefused(): void {}

  async close(): Promise<void> {}
}
