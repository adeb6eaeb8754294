/**
 * Windows DLLs in a Wine process. Frida on Linux lists only the ELF objects of a Wine process (ntdll.so,
 * winepulse.so, the host's GnuTLS), not the PE images Wine's loader maps: those are found here by their
 * headers in memory, and their export tables are read, so that the Windows hooks go into secur32.dll,
 * bcrypt.dll, winhttp.dll... as into a Windows process's modules. Every offset read from an image is checked
 * against the image's size before it is followed. PE code takes its arguments the Windows x64 way (callArgs),
 * and is hooked on entry only (windows-calls.ts says why).
 */

/** What the hooks use of a module; a PE image found here is handed to them as a Module. */
type ModuleView = Pick<Module, 'name' | 'path' | 'base' | 'size' | 'findExportByName' | 'findSymbolByName'>

const peModules = new WeakSet<object>()

/** True for a PE image found by this file: its functions take their arguments the Windows x64 way. */
export function isPeModule(module: Module): boolean {
  return peModules.has(module)
}

/** Wine's Unix-side ntdll: its presence makes the process a Wine one. */
export function isWineNtdll(module: Module): boolean {
  return module.name === 'ntdll.so' && module.path.includes('/wine/')
}

/** IMAGE_FILE_MACHINE_AMD64: Wine on x86-64 is the one whose PE calls are read here (win64Args). */
const machine = Process.arch === 'x64' ? 0x8664 : -1
/** Windows maps images at 64 KiB boundaries (the allocation granularity). */
const granularity = 0x10000
const maxImage = 1 << 30
const maxExports = 1 << 16
const maxName = 256

interface ExportTable {
  /** The export directory's span (RVAs inside it are forwarders, strings naming another DLL's export). */
  dir: number
  dirSize: number
  functions: number
  names: number
  ordinals: number
  count: number
  nameCount: number
}

/** Reads `n` bytes of the image at `rva` if they lie inside it. */
function view(base: NativePointer, size: number, rva: number, n: number): DataView | null {
  if (rva < 0 || n < 0 || rva + n > size) return null
  const bytes = base.add(rva).readByteArray(n)
  return bytes ? new DataView(bytes) : null
}

/** The NUL-terminated ASCII string at `rva`, inside the image and at most maxName long. */
function nameAt(base: NativePointer, size: number, rva: number): string | null {
  if (rva <= 0 || rva >= size) return null
  // readCString(n) would read n bytes whatever their NULs: the string ends at the first one here.
  const bytes = new Uint8Array(
    base.add(rva).readByteArray(Math.min(maxName, size - rva)) ?? new ArrayBuffer(0),
  )
  const end = bytes.indexOf(0)
  return end < 0 ? null : String.fromCharCode(...bytes.subarray(0, end))
}

/** The image's headers: its size and export table; null for anything that is not a PE image of ours. */
function readHeaders(base: NativePointer): { size: number; exports: ExportTable | null } | null {
  const dos = base.readByteArray(0x40)
  if (!dos) return null
  const d = new DataView(dos)
  if (d.getUint16(0, true) !== 0x5a4d) return null
  const lfanew = d.getUint32(0x3c, true)
  // Signature, file header (20), optional header up to the export directory (PE32+: 0x70 + 8).
  const nt = lfanew >= 0x40 && lfanew < 0x1000 ? base.add(lfanew).readByteArray(24 + 0x78) : null
  if (!nt) return null
  const h = new DataView(nt)
  if (h.getUint32(0, true) !== 0x4550 || h.getUint16(4, true) !== machine) return null
  const optional = 24
  if (h.getUint16(20, true) < 0x78 || h.getUint16(optional, true) !== 0x20b) return null
  const size = h.getUint32(optional + 56, true)
  if (size < 0x1000 || size > maxImage) return null
  const directories = h.getUint32(optional + 108, true)
  const dir = directories > 0 ? h.getUint32(optional + 112, true) : 0
  const dirSize = directories > 0 ? h.getUint32(optional + 116, true) : 0
  if (dir === 0 || dirSize < 40) return { size, exports: null }
  const e = view(base, size, dir, 40)
  if (!e) return { size, exports: null }
  const count = e.getUint32(20, true)
  const nameCount = e.getUint32(24, true)
  const functions = e.getUint32(28, true)
  const names = e.getUint32(32, true)
  const ordinals = e.getUint32(36, true)
  const inside = (rva: number, n: number) => rva > 0 && rva + n <= size
  const valid =
    count <= maxExports &&
    nameCount <= count &&
    inside(functions, 4 * count) &&
    (nameCount === 0 || (inside(names, 4 * nameCount) && inside(ordinals, 2 * nameCount)))
  return {
    size,
    exports: valid ? { dir, dirSize, functions, names, ordinals, count, nameCount } : null,
  }
}

/** The name Windows knows the image by: its file's, or else the one its export table gives. */
function imageName(
  base: NativePointer,
  size: number,
  file: string | null,
  table: ExportTable | null,
): string {
  const fromFile = file?.split('/').pop()
  if (fromFile) return fromFile
  const exported = table
    ? nameAt(base, size, view(base, size, table.dir + 12, 4)?.getUint32(0, true) ?? 0)
    : null
  return exported ?? `pe@${base}`
}

/** A PE image as the hooks see a module: exports looked up by binary search of its sorted name table. */
function peModule(base: NativePointer, size: number, file: string | null, table: ExportTable | null): Module {
  const found = new Map<string, NativePointer | null>()
  const lookUp = (fn: string): NativePointer | null => {
    if (!table) return null
    const names = view(base, size, table.names, 4 * table.nameCount)
    const ordinals = view(base, size, table.ordinals, 2 * table.nameCount)
    if (!names || !ordinals) return null
    let lo = 0
    let hi = table.nameCount - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const name = nameAt(base, size, names.getUint32(4 * mid, true))
      if (name === null) return null
      if (name === fn) {
        const ordinal = ordinals.getUint16(2 * mid, true)
        const rva = ordinal < table.count ? view(base, size, table.functions + 4 * ordinal, 4) : null
        const at = rva?.getUint32(0, true) ?? 0
        // A forwarder names another DLL's export, which is hooked in that DLL.
        const forwarded = at >= table.dir && at < table.dir + table.dirSize
        return at > 0 && at < size && !forwarded ? base.add(at) : null
      }
      if (name < fn) lo = mid + 1
      else hi = mid - 1
    }
    return null
  }
  const module: ModuleView = {
    name: imageName(base, size, file, table),
    path: file ?? imageName(base, size, null, table),
    base,
    size,
    findExportByName(fn: string) {
      let address = found.get(fn)
      if (address === undefined) {
        try {
          address = lookUp(fn)
        } catch {
          // An image unmapped under us, or pages the loader has not made readable.
          address = null
        }
        found.set(fn, address)
      }
      return address
    },
    // Images carry no symbol table in memory.
    findSymbolByName: () => null,
  }
  peModules.add(module)
  return module as Module
}

/** Images found so far, by base; range bases found to hold none, with their size and file. */
const images = new Map<string, Module>()
const notImages = new Set<string>()
/** Module handles already looked for, found or not (a bogus one is not looked for on every call). */
const looked = new Set<string>()
const maxNotImages = 1 << 15

/** PE images mapped since the last look (all, the first time): headers at 64 KiB-aligned range bases. */
function newImages(): Module[] {
  const added: Module[] = []
  for (const r of Process.enumerateRanges('r--')) {
    const key = r.base.toString()
    if (r.base.and(granularity - 1).toInt32() !== 0) continue
    // Known, unless another file is mapped where it was (a DLL unloaded, another loaded there).
    const known = images.get(key)
    if (known && (r.file === undefined || r.file.path === known.path)) continue
    const seen = `${key}:${r.size}:${r.file?.path ?? ''}`
    if (notImages.has(seen)) continue
    const module = imageAt(r.base, r.file?.path ?? null)
    if (!module) {
      if (notImages.size >= maxNotImages) notImages.clear()
      notImages.add(seen)
      continue
    }
    images.set(key, module)
    added.push(module)
  }
  return added
}

/** The PE image whose headers are at `base` (mapped from `file`), as a module; null for anything else. */
export function imageAt(base: NativePointer, file: string | null): Module | null {
  try {
    const headers = readHeaders(base)
    return headers && peModule(base, headers.size, file, headers.exports)
  } catch {
    // Unreadable after all (a guard page, a mapping going away): not an image.
    return null
  }
}

/** The PE image of this Wine process that holds `address`, if any. */
export function peImageAt(address: NativePointer): Module | null {
  for (const m of images.values())
    if (address.compare(m.base) >= 0 && address.compare(m.base.add(m.size)) < 0) return m
  return null
}

/** How often images are also looked for (a spawned process's own imports never pass the loader hook). */
const rescanMs = 1000

let timer: ReturnType<typeof setInterval> | null = null
let onImage: ((module: Module) => void) | null = null

function rescan(): void {
  if (!onImage) return
  for (const module of newImages()) {
    if (/^ntdll\.dll$/i.test(module.name)) hookLoader(module)
    onImage(module)
  }
}

/**
 * LdrGetProcedureAddress(module, name, ordinal, out) is where GetProcAddress, delay-loaded imports and
 * COM's DllGetClassObject lookups end up, right after a LoadLibrary: a module not seen yet (and those it
 * imports) is hooked before the app calls into it. Hooked on entry only (windows-calls.ts says why).
 */
function hookLoader(ntdll: Module): void {
  const getProcedureAddress = ntdll.findExportByName('LdrGetProcedureAddress')
  if (!getProcedureAddress) return
  Interceptor.attach(getProcedureAddress, function () {
    const handle = (this.context as X64CpuContext).rcx.toString()
    if (images.has(handle) || looked.has(handle)) return
    if (looked.size >= maxNotImages) looked.clear()
    looked.add(handle)
    rescan()
  })
}

/**
 * Starts (again, after Interceptor.detachAll) handing every PE image of this Wine process to `added`: those
 * mapped now, then each new one. Call it when the process is found to be a Wine one.
 */
export function watchPeImages(added: (module: Module) => void): void {
  stopPeWatch()
  if (machine < 0) return
  onImage = added
  rescan()
  timer = setInterval(rescan, rescanMs)
}

export function stopPeWatch(): void {
  if (timer !== null) clearInterval(timer)
  timer = null
  onImage = null
  images.clear()
  notImages.clear()
  looked.clear()
}

/**
 * A PE function's arguments under the Windows x64 convention: RCX, RDX, R8, R9, then the stack above the
 * return address and the callee's 32-byte home space. Read on entry only (the context and stack are the
 * call's own then).
 */
function win64Args(context: CpuContext): InvocationArguments {
  const c = context as X64CpuContext
  const registers = [c.rcx, c.rdx, c.r8, c.r9]
  return new Proxy(
    {},
    {
      get(_target, key) {
        const i = typeof key === 'string' ? Number(key) : NaN
        if (!Number.isInteger(i) || i < 0) return undefined
        return i < 4 ? registers[i] : c.rsp.add(8 + 8 * i).readPointer()
      },
    },
  ) as InvocationArguments
}

/** The arguments of a call into `module`: Frida's for the platform's own code, Windows x64 for PE code. */
export function callArgs(
  module: Module,
  args: InvocationArguments,
  context: CpuContext,
): InvocationArguments {
  return isPeModule(module) ? win64Args(context) : args
}
