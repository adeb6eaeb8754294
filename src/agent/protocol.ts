/**
 * The agent <-> host protocol. Types only, so that the host (src/core/capture) can import them without
 * pulling Frida's runtime types into Node code.
 */
import type { TlsPatternSet } from './pattern-types'

export const hookGroups = [
  'openssl',
  'boringssl',
  'gnutls',
  'nss',
  'mbedtls',
  'wolfssl',
  'schannel',
  'cng',
  'winhttp',
  'socket',
] as const
export type HookGroup = (typeof hookGroups)[number]

export interface AgentFilter {
  /** Keep only captures whose peer ("host:port") contains this text. */
  peer: string | null
  /** Keep only captures whose bytes contain these bytes (the host sends a text's UTF-8). */
  contains: number[] | null
}

export interface AgentConfig {
  hooks: HookGroup[]
  /** Bytes copied per call at most; the rest of a larger call is dropped (its full size is still reported). */
  cap: number
  filter: AgentFilter
  /** Locators for TLS libraries that are linked statically and stripped (resources/tls-patterns). */
  patterns: TlsPatternSet[]
  /** What other processes of the same capture already located (by module file), so no one scans twice. */
  located: LocatedMessage[]
  /** Also hook the audio-capture APIs and report, per second, what the app read from the microphone. */
  micAccess?: boolean
}

export const defaultCap = 1024 * 1024

export interface HookedFunction {
  fn: string
  module: string
  group: HookGroup
  address: string
  /** How the function was found: an export, a symbol the binary still has, or a code pattern. */
  how?: 'export' | 'symbol' | 'pattern'
}

/** Sent with the captured bytes as the message's binary data. */
export interface CaptureMessage {
  type: 'capture'
  t: number
  fn: string
  module: string
  thread: number
  conn: string
  peer: string | null
  dir: 'out' | 'in'
  /** Bytes the call carried; more than the data's length when the cap cut it. */
  size: number
}

/** Many small captures in one message: their bytes end to end in the message's data, `lengths` each. */
export interface CapturesMessage {
  type: 'captures'
  items: CaptureMessage[]
  lengths: number[]
}

/** Functions found by a pattern in a module file (path, size, pattern set): their offsets from its base. */
export interface LocatedMessage {
  type: 'located'
  key: string
  offsets: Record<string, number>
}

export interface HooksMessage {
  type: 'hooks'
  hooks: HookedFunction[]
}

export interface HookErrorMessage {
  type: 'hook-error'
  fn: string
  module: string
  message: string
}

/** A TLS secret in the NSS key log format ("CLIENT_RANDOM <hex> <hex>", "CLIENT_TRAFFIC_SECRET_0 ..."). */
export interface KeylogMessage {
  type: 'keylog'
  line: string
}

/** How a TLS library in the process is reached: its plaintext functions found by one of these, or not at all. */
export type LibraryReach = 'export' | 'symbol' | 'pattern' | 'keys' | 'unreachable'

export interface LibraryReport {
  /** The module (shared library or executable) that holds the TLS code. */
  module: string
  /** The hook group (openssl, nss...) or, for what cannot be hooked, the runtime's name (go, java...). */
  library: string
  how: LibraryReach
  detail: string
}

/** The TLS libraries found in the process, sent after configure() and when a module with one loads. */
export interface LibrariesMessage {
  type: 'libraries'
  libraries: LibraryReport[]
}

/** TLS application-data records went out on a connection where no plaintext hook saw anything. */
export interface TlsUnseenMessage {
  type: 'tls-unseen'
  conn: string
  peer: string
  records: number
  bytes: number
}

/**
 * One second (agent clock, ms) of one audio-capture API's reads: calls that delivered audio, their frames and
 * bytes, and the sum of squares and peak of the samples read (full scale 1; none when the format is unknown).
 */
export interface MicSecond {
  t: number
  api: string
  reads: number
  frames: number
  bytes: number
  samples: number
  sumSquares: number
  peak: number
}

/** The seconds that ended since the last message, for every API that read or has a capture stream open. */
export interface MicAccessMessage {
  type: 'mic-access'
  seconds: MicSecond[]
}

/** An audio-capture API found in the process: its module and the functions hooked there. */
export interface AudioApiReport {
  module: string
  family: string
  fns: string[]
}

/** The audio-capture APIs in the process, sent after configure() and when a module with one loads. */
export interface AudioApisMessage {
  type: 'audio-apis'
  apis: AudioApiReport[]
}

export type AgentMessage =
  | MicAccessMessage
  | AudioApisMessage
  | CaptureMessage
  | CapturesMessage
  | HooksMessage
  | HookErrorMessage
  | KeylogMessage
  | LibrariesMessage
  | LocatedMessage
  | TlsUnseenMessage

/** The agent's rpc exports. */
export interface AgentRpc {
  configure(config: AgentConfig): HookedFunction[]
  inventory(): HookedFunction[]
  now(): number
  /** The Frida this agent runs in (a lab machine's may differ from the workbench's) and its system. */
  runtime(): AgentRuntime
  /** Sends everything held back; its reply comes after those messages, so the host has them all then. */
  flush(): void
  dispose(): void
}

export interface AgentRuntime {
  frida: string
  platform: string
  arch: string
}
