import {
  callsTo,
  findStrings,
  findXrefs,
  firstCallAfter,
  functionEnd,
  functionStart,
  imageOf,
  isFunctionStart,
  num,
  reasonNear,
  scanCode,
  type Image,
  type Range,
  type Xref,
} from './code-scan'
import { reportHookError } from './emit'
import type { CalleeLocator, ErrorSitesLocator, FunctionLocator, TlsPatternSet } from './pattern-types'
import type { HookedFunction, HookGroup, LocatedMessage } from './protocol'
import { config } from './state'

/**
 * Finds a function to hook: (a) the module's export, (b) a symbol the binary still has (.symtab, debug
 * info), (c) the pattern files' locators, for static and stripped copies of a TLS library (Chromium's
 * BoringSSL). Locating by pattern scans the module once per library; the result is kept per module file
 * (path and size) for the rest of the session, so re-configuring or re-attaching a module costs nothing.
 */

export interface Found {
  address: NativePointer
  how: HookedFunction['how']
}

function isInside(address: NativePointer, module: Module): boolean {
  return address.compare(module.base) >= 0 && address.compare(module.base.add(module.size)) < 0
}

function symbolOf(module: Module, fn: string): NativePointer | null {
  try {
    return module.findSymbolByName(fn)
  } catch {
    return null
  }
}

/** Null when the function is not in this module (an export found elsewhere is its own module's to hook). */
export function locate(fn: string, module: Module, group: HookGroup): Found | null {
  const exported = module.findExportByName(fn)
  if (exported) return isInside(exported, module) ? { address: exported, how: 'export' } : null
  const symbol = symbolOf(module, fn)
  if (symbol && isInside(symbol, module)) return { address: symbol, how: 'symbol' }
  for (const set of config.patterns) {
    if (set.group !== group || !(fn in set.functions)) continue
    const offset = locatedIn(module, set).get(fn)
    if (offset !== undefined) return { address: module.base.add(offset), how: 'pattern' }
  }
  return null
}

/** Per module file and pattern set: function name -> offset from the module's base. */
const cache = new Map<string, Map<string, number>>()

function locatedIn(module: Module, set: TlsPatternSet): Map<string, number> {
  const key = `${module.path}\0${module.size}\0${set.library}\0${set.madeFrom}`
  let found = cache.get(key)
  const known = found ? undefined : config.located.find((l) => l.key === key)
  if (known) cache.set(key, (found = new Map(Object.entries(known.offsets))))
  if (!found) {
    found = new Map()
    try {
      const image = imageOf(module)
      if (image) for (const [fn, p] of searchImage(image, set)) found.set(fn, num(p) - num(module.base))
    } catch (err) {
      reportHookError(set.library, module.name, err)
    }
    cache.set(key, found)
    const located: LocatedMessage = { type: 'located', key, offsets: Object.fromEntries(found) }
    send(located)
  }
  return found
}

interface Site {
  start: NativePointer
  /** Reason codes at its error sites; -1 for a site whose reason could not be read. */
  reasons: Set<number>
}

/** Where the set's functions are in this image's code. */
export function searchImage(image: Image, set: TlsPatternSet): Map<string, NativePointer> {
  return new Search(image, set).run()
}

/**
 * A library's code and constants are linked together: strings and references to them are looked for within
 * this distance of the error sites first (a few percent of a browser's code), then everywhere.
 */
const neighbourhood = 4 * 1024 * 1024

function around(image: Image, code: NativePointer[], data: NativePointer[]): Image {
  const clip = (ranges: Range[], points: NativePointer[]) => {
    const lo = Math.min(...points.map(num)) - neighbourhood
    const hi = Math.max(...points.map(num)) + neighbourhood
    return ranges.flatMap((r) => {
      const from = Math.max(num(r.base), lo)
      const to = Math.min(num(r.base) + r.size, hi)
      return to > from ? [{ base: r.base.add(from - num(r.base)), size: to - from }] : []
    })
  }
  return { arch: image.arch, code: clip(image.code, code), data: clip(image.data, data) }
}

/** One pattern set applied to one module. */
class Search {
  /** Per scope (the neighbourhood, the whole image) and string: its addresses and the code loading them. */
  private readonly found = new Map<Image, Map<string, { at: NativePointer[]; xrefs: Xref[] }>>()
  private near: Image | null = null
  private readonly sites = new Map<string, Site[]>()
  private readonly results = new Map<string, NativePointer | null>()

  constructor(
    private readonly image: Image,
    private readonly set: TlsPatternSet,
  ) {}

  run(): Map<string, NativePointer> {
    const locators = Object.values(this.set.functions).flat()
    const files = [...new Set(locators.flatMap((l) => (l.kind === 'errors' ? [l.file] : [])))]
    const labels = [...new Set(locators.flatMap((l) => (l.kind === 'callee' ? l.strings : [])))]
    // A module without the library's source file names (or, lacking those, its other strings) does not
    // hold it: nothing else is scanned there.
    const present =
      files.length > 0 ? this.load(this.image, files, true) : this.load(this.image, labels, false)
    if (present === 0) return new Map()
    const sites = files.flatMap((f) => this.refs(this.image, f))
    if (sites.length > 0)
      this.near = around(
        this.image,
        sites.map((x) => x.at),
        sites.map((x) => x.target),
      )
    const out = new Map<string, NativePointer>()
    for (const fn of Object.keys(this.set.functions)) {
      const p = this.find(fn, new Set())
      if (p) out.set(fn, p)
    }
    return out
  }

  /** Finds the strings not yet looked for in this scope, and the code loading them (one pass for all). */
  private load(scope: Image, texts: string[], suffix: boolean): number {
    const known = this.found.get(scope) ?? new Map<string, { at: NativePointer[]; xrefs: Xref[] }>()
    this.found.set(scope, known)
    const fresh = texts.filter((t) => !known.has(t))
    const at = new Map(fresh.map((t) => [t, findStrings(scope, t, suffix)]))
    const xrefs = findXrefs(scope, [...at.values()].flat())
    for (const [t, addresses] of at) {
      const mine = new Set(addresses.map(String))
      known.set(t, { at: addresses, xrefs: xrefs.filter((x) => mine.has(x.target.toString())) })
    }
    return texts.reduce((n, t) => n + (known.get(t)?.at.length ?? 0), 0)
  }

  private refs(scope: Image, text: string): Xref[] {
    return this.found.get(scope)?.get(text)?.xrefs ?? []
  }

  private find(fn: string, visiting: Set<string>): NativePointer | null {
    const known = this.results.get(fn)
    if (known !== undefined) return known
    if (visiting.has(fn)) return null
    visiting.add(fn)
    let found: NativePointer | null = null
    for (const l of this.set.functions[fn] ?? []) {
      found = this.apply(l, visiting)
      if (found) break
    }
    this.results.set(fn, found)
    return found
  }

  private apply(l: FunctionLocator, visiting: Set<string>): NativePointer | null {
    if (l.kind === 'errors') return this.byErrors(l, visiting)
    if (l.kind === 'callee') {
      const scopes = this.near ? [this.near, this.image] : [this.image]
      for (const scope of scopes) {
        this.load(scope, l.strings, false)
        const p = this.byCallee(l, scope)
        if (p) return p
      }
      return null
    }
    if (l.arch !== this.image.arch) return null
    const hits = scanCode(this.image, l.pattern)
    return hits.length === 1 ? hits[0].add(l.offset) : null
  }

  /** The functions citing `file` at error sites, each with the reasons it reports. */
  private sitesOf(file: string): Site[] {
    let sites = this.sites.get(file)
    if (sites) return sites
    const byStart = new Map<string, Site>()
    for (const x of this.refs(this.image, file)) {
      const start = functionStart(this.image, x.at)
      if (!start) continue
      const site = byStart.get(start.toString()) ?? { start, reasons: new Set<number>() }
      site.reasons.add(reasonNear(this.image, x) ?? -1)
      byStart.set(start.toString(), site)
    }
    this.sites.set(file, (sites = [...byStart.values()]))
    return sites
  }

  private byErrors(l: ErrorSitesLocator, visiting: Set<string>): NativePointer | null {
    const want = new Set(l.reasons)
    let found = this.sitesOf(l.file).filter(
      (s) => s.reasons.size === want.size && [...want].every((r) => s.reasons.has(r)),
    )
    if (l.calls !== undefined) {
      const callee = this.find(l.calls, visiting)
      if (!callee) return null
      found = found.filter((s) => callsTo(this.image, s.start, functionEnd(this.image, s.start), callee))
    }
    if (l.candidates !== undefined && found.length !== l.candidates) return null
    if (l.pick === 'largest' && found.length > 1) {
      const sized = found
        .map((s) => ({ s, size: num(functionEnd(this.image, s.start)) - num(s.start) }))
        .sort((a, b) => b.size - a.size)
      return sized[0].size > sized[1].size ? sized[0].s.start : null
    }
    return found.length === 1 ? found[0].start : null
  }

  private byCallee(l: CalleeLocator, scope: Image): NativePointer | null {
    const votes = new Map<string, { p: NativePointer; strings: Set<string> }>()
    for (const text of l.strings)
      for (const x of this.refs(scope, text)) {
        const p = firstCallAfter(this.image, x)
        if (!p) continue
        const v = votes.get(p.toString()) ?? { p, strings: new Set<string>() }
        v.strings.add(text)
        votes.set(p.toString(), v)
      }
    const ranked = [...votes.values()].sort((a, b) => b.strings.size - a.strings.size)
    const [best, next] = ranked
    if (!best || best.strings.size < l.votes || (next && next.strings.size === best.strings.size)) return null
    return isFunctionStart(this.image, best.p) ? best.p : null
  }
}
