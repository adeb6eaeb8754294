import type { HookedFunction, LibraryReport } from './protocol'

/**
 * Says which TLS libraries a process has and how each is reached, so that a capture that sees nothing is
 * never silent about why: hooked functions by module, and runtimes whose TLS no hook here can read.
 */

/** The hooked TLS functions, one report per module and library. */
export function reachOf(hooks: readonly HookedFunction[]): LibraryReport[] {
  const byKey = new Map<string, { module: string; library: string; how: string; fns: string[] }>()
  for (const h of hooks) {
    if (h.group === 'socket') continue
    const how = h.how ?? 'export'
    const key = `${h.module}\0${h.group}\0${how}`
    const entry = byKey.get(key) ?? { module: h.module, library: h.group, how, fns: [] }
    entry.fns.push(h.fn)
    byKey.set(key, entry)
  }
  return [...byKey.values()].map((e) => ({
    module: e.module,
    library: e.library,
    how: e.how as LibraryReport['how'],
    detail: e.fns.join(', '),
  }))
}

interface Runtime {
  library: string
  /** A module of the runtime, or a symbol only its code has. */
  module?: RegExp
  symbol?: string
  detail: string
}

const runtimes: Runtime[] = [
  {
    library: 'go',
    symbol: 'crypto/tls.(*Conn).Write',
    detail: "Go's crypto/tls is compiled into the program and uses Go's own calling convention: not hooked",
  },
  {
    library: 'java',
    module: /^libjvm\.(so|dylib)$|^jvm\.dll$/i,
    detail: "Java's TLS (JSSE) runs inside the JVM: not hooked",
  },
  {
    library: 'rustls',
    symbol: 'rustls::conn::ConnectionCommon',
    detail: 'rustls is compiled into the program: not hooked',
  },
]

/** TLS implementations present in the process that no hook reaches. */
export function unreachableRuntimes(modules: readonly Module[]): LibraryReport[] {
  const out: LibraryReport[] = []
  const main = modules[0]
  for (const r of runtimes) {
    const m = r.module
      ? modules.find((x) => r.module!.test(x.name))
      : hasSymbol(main, r.symbol!)
        ? main
        : undefined
    if (m) out.push({ module: m.name, library: r.library, how: 'unreachable', detail: r.detail })
  }
  return out
}

function hasSymbol(module: Module | undefined, name: string): boolean {
  if (!module) return false
  try {
    return module.findSymbolByName(name) !== null
  } catch {
    return false
  }
}
