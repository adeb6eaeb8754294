import { addressOf, forgetReadable, isReadable, s32At, wordAt } from './readable'

/**
 * Finds NSS's SSL layer under the NSPR file descriptor that PR_Write/PR_Read got, reading the layer structures
 * only, each read checked first. It never calls into NSPR: the hook runs inside NSPR's callers, and NSPR's own
 * helpers take its locks (PR_GetNameForIdentity reads identity_cache.name[0] under the identity lock, a NULL
 * array until the first layer is registered: the fault left the lock held and Firefox deadlocked).
 */

const ps = Process.pointerSize
/** PRFileDesc { methods; secret; lower; higher; dtor; PRDescIdentity identity }. */
const descSize = 6 * ps
/**
 * PRFilePrivate { state; nonblocking; inheritable; PRFileDesc *next; lockCount; _MDFileDesc md }, md.osfd
 * first (0x1c in libnspr4 4.35's PR_FileDesc2NativeHandle on x86_64; a 64-bit SOCKET on Win64).
 */
const osfdAt = ps === 4 ? 20 : Process.platform === 'windows' ? 32 : 28
/** NSPR's own (bottom) layer; pushed layers have identities from PR_GetUniqueIdentity, all > 0. */
const nsprIdentity = 0
/** More layers than any real stack has (Firefox: its own layer, SSL, NSPR). */
const maxLayers = 16

interface Desc {
  at: number
  methods: number
  secret: number
  lower: number
  identity: number
}

/** One layer read in one go; null when its memory is not readable. */
function readDesc(at: number): Desc | null {
  if (!isReadable(at, descSize)) return null
  const v = new DataView(ptr(at).readByteArray(descSize)!)
  return {
    at,
    methods: wordAt(v, 0),
    secret: wordAt(v, ps),
    lower: wordAt(v, 2 * ps),
    identity: s32At(v, 5 * ps),
  }
}

interface Owner {
  /** The methods table lies in a module that defines NSS's SSL API (libssl3, or Mozilla's folded libnss3). */
  ssl: boolean
  /** The methods table lies in the hooked NSPR module: NSPR's own socket, file or pipe. */
  nspr: boolean
}

interface ModuleSpan {
  base: number
  end: number
  path: string
  ssl: boolean
}

/**
 * Loaded modules, sorted by base, filled on the agent's own thread only: Gum's module lookups take its module
 * registry lock, which a thread loading a library holds while it waits for the JS lock to run module
 * observers; from a hook, whose thread holds the JS lock, that deadlocks (Firefox hung so when attached).
 */
let modules: ModuleSpan[] = []
const sslByModule = new Map<string, boolean>()
let refreshPending = false
let refreshedAt = 0
/** A miss (a library loaded since) asks for a refresh at most this often. */
const refreshEveryMs = 250

function defines(module: Module, name: string): boolean {
  const address = module.findExportByName(name)
  return address !== null && Process.findModuleByAddress(address)?.base.equals(module.base) === true
}

function refreshModules(): void {
  refreshPending = false
  refreshedAt = Date.now()
  modules = Process.enumerateModules()
    .map((m) => {
      const base = addressOf(m.base)
      const key = `${m.path}@${base}`
      let ssl = sslByModule.get(key)
      if (ssl === undefined) sslByModule.set(key, (ssl = defines(m, 'SSL_ImportFD')))
      return { base, end: base + m.size, path: m.path, ssl }
    })
    .sort((a, b) => a.base - b.base)
}
refreshModules()

function moduleAt(address: number): ModuleSpan | null {
  let lo = 0
  let hi = modules.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (address < modules[mid].base) hi = mid - 1
    else if (address >= modules[mid].end) lo = mid + 1
    else return modules[mid]
  }
  if (!refreshPending && Date.now() - refreshedAt >= refreshEveryMs) {
    refreshPending = true
    setTimeout(refreshModules, 0)
  }
  return null
}

/** What each methods table's address says, learned once per table (there are a few dozen). */
const owners = new Map<number, Owner>()
const maxOwners = 512

function ownerOf(methods: number, nspr: Module): Owner {
  let owner = owners.get(methods)
  if (owner === undefined) {
    const m = moduleAt(methods)
    // Outside every module known yet: maybe a library loaded since; asked again once the table is refreshed.
    if (!m) return { ssl: false, nspr: false }
    owner = { ssl: m.ssl, nspr: m.path === nspr.path }
    if (owners.size >= maxOwners) owners.clear()
    owners.set(methods, owner)
  }
  return owner
}

/**
 * An SSL layer: its methods are NSS's and its secret is an sslSocket, whose first field points back at the
 * layer, or at a layer above it when one was pushed since and NSS has not yet refreshed the pointer.
 */
function isSslLayer(d: Desc, owner: Owner, above: number[]): boolean {
  if (!owner.ssl || d.identity <= nsprIdentity || !isReadable(d.secret, ps)) return false
  const back = wordAt(new DataView(ptr(d.secret).readByteArray(ps)!), 0)
  return back === d.at || above.includes(back)
}

/** The OS socket of NSPR's bottom layer; -1 if the bottom is not NSPR's own. */
function osfdOf(bottom: Desc, owner: Owner): number {
  if (!owner.nspr || bottom.identity !== nsprIdentity || !isReadable(bottom.secret, osfdAt + 4)) return -1
  return ptr(bottom.secret + osfdAt).readS32()
}

/**
 * The OS socket under an NSPR file descriptor whose layer stack includes NSS's SSL layer (-1 when the socket
 * cannot be read; the socket hooks then link the bytes), null when it is no SSL stack or not a sound one.
 */
export function nssSocket(nspr: Module, fd: NativePointer): number | null {
  const above: number[] = []
  let ssl = false
  try {
    for (let at = addressOf(fd); above.length < maxLayers;) {
      const d = readDesc(at)
      if (!d) return null
      const owner = ownerOf(d.methods, nspr)
      ssl ||= isSslLayer(d, owner, above)
      if (d.lower === 0) return ssl ? osfdOf(d, owner) : null
      above.push(at)
      at = d.lower
    }
  } catch {
    // A mapping learned earlier was unmapped under the read: no capture for this call, and learn afresh.
    forgetReadable()
  }
  return null
}
