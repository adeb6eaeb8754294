/**
 * How the agent finds TLS functions that a binary neither exports nor names in a symbol table (statically
 * linked, stripped). The data comes from resources/tls-patterns/*.json, checked by the host
 * (src/core/capture/tls-patterns.ts) and handed over in AgentConfig. Types only, shared with the host.
 */
import type { HookGroup } from './protocol'

export type CodeArch = 'x64' | 'arm64'

/**
 * The function whose OPENSSL_PUT_ERROR(lib, reason) sites that cite `file` (a path ending, as __FILE__
 * is spelled by the build) carry exactly these reason codes: stable across builds, unlike line numbers.
 */
export interface ErrorSitesLocator {
  kind: 'errors'
  file: string
  reasons: number[]
  /** Keep only candidates that call this other located function directly. */
  calls?: string
  /** The number of candidates there must be (otherwise the locator does not apply). */
  candidates?: number
  /** Which candidate to take when there are several: the largest (e.g. SSL_read, which inlines SSL_peek). */
  pick?: 'largest'
  note?: string
}

/** The function that code calls right after loading one of these strings (e.g. key-log labels). */
export interface CalleeLocator {
  kind: 'callee'
  strings: string[]
  /** How many different strings must lead to the same function. */
  votes: number
  note?: string
}

/** Raw bytes of one build (Memory.scan syntax, "??" wildcards); must match once in the module's code. */
export interface BytesLocator {
  kind: 'bytes'
  arch: CodeArch
  pattern: string
  /** From the match to the function's first instruction. */
  offset: number
  /** The build the bytes were taken from. */
  madeFrom: string
  note?: string
}

export type FunctionLocator = ErrorSitesLocator | CalleeLocator | BytesLocator

/** One TLS library's locators: per function, tried in order until one finds it. */
export interface TlsPatternSet {
  library: string
  /** The hook group whose functions these locate. */
  group: HookGroup
  /** The builds the locators were made from and checked against. */
  madeFrom: string
  functions: Record<string, FunctionLocator[]>
}
