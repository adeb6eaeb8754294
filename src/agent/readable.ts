/**
 * Whether memory can be read before a hook reads it, so a stale or bogus pointer in a target's structures
 * means "not ours" rather than an access violation. Mappings are learned one by one, on the first address
 * that falls into each (Process.findRangeByAddress reads the memory map, not Gum's module registry), so a
 * hot hook pays a binary search and no system call. Addresses are plain numbers: user-space addresses fit a
 * double exactly.
 */

const littleEndian = new Uint8Array(Memory.alloc(4).writeU32(1).readByteArray(4)!)[0] === 1

/** The pointer-sized word at `at` in `view` as an address; -1 when it does not fit a double exactly. */
export function wordAt(view: DataView, at: number): number {
  if (Process.pointerSize === 4) return view.getUint32(at, littleEndian)
  const lo = view.getUint32(littleEndian ? at : at + 4, littleEndian)
  const hi = view.getUint32(littleEndian ? at + 4 : at, littleEndian)
  return hi < 2 ** 21 ? hi * 2 ** 32 + lo : -1
}

export function s32At(view: DataView, at: number): number {
  return view.getInt32(at, littleEndian)
}

/** A NativePointer's value as an address number; -1 when it does not fit a double exactly. */
export function addressOf(p: NativePointer): number {
  const n = Number(p.toString())
  return Number.isSafeInteger(n) ? n : -1
}

/** Readable mappings seen so far, sorted by base; bounded, and dropped when a read faults anyway. */
let bases: number[] = []
let ends: number[] = []
const maxSpans = 4096
/** Pages found unreadable, with when to look again: a bogus pointer costs one scan a second, not one per call. */
const unreadable = new Map<number, number>()
const maxUnreadable = 256
const retryMs = 1000
const pageSize = Process.pageSize

/** Index of the last span whose base is <= address, or -1. */
function spanBelow(address: number): number {
  let lo = 0
  let hi = bases.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (bases[mid] <= address) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

function lookUp(address: number, size: number): boolean {
  const page = address - (address % pageSize)
  const now = Date.now()
  if ((unreadable.get(page) ?? 0) > now) return false
  const range = Process.findRangeByAddress(ptr(address))
  const base = range ? addressOf(range.base) : -1
  if (!range || range.protection[0] !== 'r' || base < 0) {
    if (unreadable.size >= maxUnreadable) unreadable.clear()
    unreadable.set(page, now + retryMs)
    return false
  }
  const end = base + range.size
  if (bases.length >= maxSpans) forgetReadable()
  const below = spanBelow(base)
  if (below < 0 || bases[below] !== base || ends[below] !== end) {
    bases.splice(below + 1, 0, base)
    ends.splice(below + 1, 0, end)
  }
  return address + size <= end
}

/** True when `size` bytes at `address` lie in one readable mapping and `address` is aligned to `align`. */
export function isReadable(address: number, size: number, align = Process.pointerSize): boolean {
  if (address <= 0 || address % align !== 0) return false
  const i = spanBelow(address)
  if (i >= 0 && address + size <= ends[i]) return true
  return lookUp(address, size)
}

/** Forgets every mapping learned: one was unmapped since (a read faulted). */
export function forgetReadable(): void {
  bases = []
  ends = []
}
