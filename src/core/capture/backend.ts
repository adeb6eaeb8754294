/** What the capture engine needs from Frida, whichever binding provides it. */

export type BackendKind = 'node' | 'python'
export type BackendChoice = BackendKind | 'auto'

export interface ProcessInfo {
  pid: number
  name: string
}

/** `host` is a remote frida-server's HOST:PORT; null means this computer. */
export type Target = { pid: number } | { name: string } | { spawn: string[] }

export interface DetachInfo {
  /** Frida's reason: process-terminated, connection-terminated, device-lost, application-requested... */
  reason: string
  crash: { summary: string; report: string } | null
}

export interface ScriptMessage {
  /** Frida's message: {type: 'send', payload} or {type: 'error', description, stack}. */
  message: { type: string; payload?: unknown; description?: string; stack?: string }
  data: Uint8Array | null
}

/** One attached process with the agent loaded. */
export interface AgentSession {
  readonly pid: number
  call<T>(method: string, ...args: unknown[]): Promise<T>
  /** Lets a spawned process run; a no-op for an attached one. */
  resume(): Promise<void>
  detach(): Promise<void>
  /** Ends the process (a spawned one that could not be set up must not stay suspended). */
  kill(): Promise<void>
  onMessage(listener: (m: ScriptMessage) => void): void
  /** Fires once, when the session ends for any reason, including the backend itself dying. */
  onDetached(listener: (d: DetachInfo) => void): void
}

export interface FridaBackend {
  readonly kind: BackendKind
  /** Frida's version, e.g. "17.2.1". */
  readonly version: string
  listProcesses(host: string | null): Promise<ProcessInfo[]>
  /** Attaches (or spawns suspended) and loads `source`; a spawned process stays suspended until resume(). */
  open(host: string | null, target: Target, source: string): Promise<AgentSession>
  close(): Promise<void>
}
