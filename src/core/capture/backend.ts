/** What the capture engine needs from Frida, whichever binding provides it. */

import type { backendKind, ProcessInfoView } from '../../shared/contract/capture'
import type { z } from 'zod'

export type BackendKind = z.infer<typeof backendKind>
export type { BackendChoice } from '../../shared/contract/capture'
export type ProcessInfo = ProcessInfoView

/** One process to open: an existing pid, or a command to spawn. */
export type ProcessTarget = { pid: number } | { spawn: string[]; env?: Record<string, string> }

/**
 * What a capture is pointed at: processes by pid or name, a command to spawn, or every process the device
 * lists (a portal lists only the processes that lab machines joined to it).
 */
export type Target =
  { pids: number[] } | { name: string } | { spawn: string[]; env?: Record<string, string> } | { every: true }

export interface DetachInfo {
  /** Frida's reason: process-terminated, process-replaced, connection-terminated, application-requested... */
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
  /** The agent's console output (never mixed into its messages). */
  onLog(listener: (level: string, text: string) => void): void
  /** Fires once, when the session ends for any reason, including the backend itself dying. */
  onDetached(listener: (d: DetachInfo) => void): void
}

/** How to reach a remote device (a frida-server or a portal's control endpoint), and what to call it. */
export interface RemoteOptions {
  token: string | null
  /** PEM certificate the device's TLS must present; null for plain TCP. */
  certificate: string | null
  /** Names the device in messages, e.g. 'device "lab" (portal at 10.0.0.1:27042)'. */
  label: string
}

/** What a device says about itself, as Frida's system parameters give it (unchecked: see devices/probe). */
export interface RawDeviceInfo {
  system: unknown
  /** A portal's joined processes (it has no system of its own): each with its machine's system and Frida. */
  processes: { pid: number; name: string; system: unknown; frida: string | null }[] | null
}

export interface FridaBackend {
  readonly kind: BackendKind
  /** Frida's version, e.g. "17.2.1". */
  readonly version: string
  /** The helper process that hosts the binding, if any: never a target of its own capture. */
  readonly pid?: number
  /** Sets how `address` is reached from now on (token, certificate); later calls name it as their host. */
  addRemote(address: string, options: RemoteOptions): Promise<void>
  /** The device's system (OS, arch, host name) and, for a portal, its joined processes. */
  deviceInfo(host: string | null): Promise<RawDeviceInfo>
  listProcesses(host: string | null): Promise<ProcessInfo[]>
  /** Attaches (or spawns suspended) and loads `source`; a spawned process waits for resume(). */
  open(host: string | null, target: ProcessTarget, source: string): Promise<AgentSession>
  /** Input from the binding that was refused as malformed (it is dropped, the capture goes on). */
  onRefused(listener: (why: string) => void): void
  close(): Promise<void>
}
