import type { CodeArch } from './pattern-types'

/**
 * Reading a module's machine code without symbols: where a string is, which instructions load its address,
 * where the function around an instruction starts and ends, where a call goes. x86-64 instructions are
 * decoded by Frida (Capstone); arm64's fixed-width words by their bit fields, so that an arm64 image can be
 * read on any host. Byte matching runs natively (Memory.scanSync); JS only checks the few hits.
 */

export interface Range {
  base: NativePointer
  size: number
}

/** A module's code and read-only data, as mapped in this process. */
export interface Image {
  arch: CodeArch
  code: Range[]
  data: Range[]
}

/** An instruction (x86-64 LEA, arm64 ADRP+ADD) that puts `target`'s address in a register. */
export interface Xref {
  at: NativePointer
  /** The address after the instruction(s). */
  end: NativePointer
  target: NativePointer
}

/** Addresses of user space fit in a double exactly (< 2^53). */
export const num = (p: NativePointer): number => Number(p.toString())
const at = (n: number): NativePointer => ptr(`0x${n.toString(16)}`)
const hex2 = (n: number): string => (n & 0xff).toString(16).padStart(2, '0')

/** The process's readable ranges, read once: a module's own listing costs as much as the whole process's. */
let snapshot: RangeDetails[] = []

function rangesOf(module: Module): RangeDetails[] {
  const start = num(module.base)
  const inside = () => snapshot.filter((r) => num(r.base) >= start && num(r.base) < start + module.size)
  let ranges = inside()
  // A module loaded since the last reading.
  if (ranges.length === 0) {
    snapshot = Process.enumerateRanges('r--')
    ranges = inside()
  }
  return ranges
}

export function imageOf(module: Module): Image | null {
  const arch = Process.arch === 'x64' || Process.arch === 'arm64' ? Process.arch : null
  if (!arch) return null
  // The readable ranges: code and constants are told apart here.
  const ranges = rangesOf(module)
  return {
    arch,
    code: ranges.filter((r) => r.protection === 'r-x'),
    data: ranges.filter((r) => r.protection === 'r--'),
  }
}

function bytes(p: NativePointer, n: number): Uint8Array {
  return new Uint8Array(p.readByteArray(n) ?? new ArrayBuffer(0))
}

function rangeOf(image: Image, p: NativePointer): Range | null {
  const n = num(p)
  return image.code.find((r) => n >= num(r.base) && n < num(r.base) + r.size) ?? null
}

/**
 * Where a NUL-terminated string is in the module's constants. `suffix`: the text is the end of a longer
 * string (a __FILE__ path whose prefix depends on the build) and the string's first byte is returned.
 */
export function findStrings(image: Image, text: string, suffix: boolean): NativePointer[] {
  const pattern = [...text].map((c) => hex2(c.charCodeAt(0))).join(' ') + ' 00'
  const found: NativePointer[] = []
  for (const r of image.data)
    for (const m of Memory.scanSync(r.base, r.size, pattern)) {
      if (!suffix) {
        found.push(m.address)
        continue
      }
      const back = Math.min(512, num(m.address) - num(r.base))
      const before = bytes(m.address.sub(back), back)
      found.push(m.address.sub(back - 1 - before.lastIndexOf(0)))
    }
  return found
}

/** Memory.scanSync over [start, start + size) plus `overlap` bytes, keeping matches that start inside. */
function scanWindow(range: Range, off: number, size: number, overlap: number, pattern: string) {
  const len = Math.min(size + overlap, range.size - off)
  return Memory.scanSync(range.base.add(off), len, pattern).filter(
    (m) => num(m.address) - num(range.base) < off + size,
  )
}

/**
 * The code is scanned in windows small enough that, from anywhere in one, a reference to a given target
 * has the same high bits: those bits are fixed in the byte pattern, the rest are wildcards, and every hit
 * is checked exactly. Windows are aligned to the first target so that, for it, one pattern covers a window.
 */
function windows(r: Range, size: number, phase: number): [number, number][] {
  const out: [number, number][] = []
  const first = (((phase - num(r.base)) % size) + size) % size
  if (first > 0) out.push([0, Math.min(first, r.size)])
  for (let off = first; off < r.size; off += size) out.push([off, Math.min(size, r.size - off)])
  return out
}

/** x86-64 `lea r64, [rip + disp32]` (REX.W 48/4C, 8D, ModRM mod=00 rm=101): target = next + disp. */
function x64Xrefs(image: Image, targets: NativePointer[]): Xref[] {
  const wanted = new Map(targets.map((t) => [t.toString(), t]))
  const out: Xref[] = []
  // disp[31:16] is fixed in bytes 5-6 and disp[15:0] left free (fully fixed bytes scan fastest).
  const band = 0x10000
  for (const r of image.code)
    for (const [off, size] of windows(r, band, num(targets[0]) - 6)) {
      const first = num(r.base) + off
      const highs = new Set<number>()
      for (const t of targets) {
        const dispMax = num(t) - (first + 7)
        const dispMin = num(t) - (first + size - 1 + 7)
        if (dispMin < -0x80000000 || dispMax > 0x7fffffff) continue
        for (let h = Math.floor(dispMin / band); h <= Math.floor(dispMax / band); h++) highs.add(h & 0xffff)
      }
      for (const h of highs) {
        const pattern = `48 8d 05 00 00 ${hex2(h)} ${hex2(h >> 8)} : fb ff c7 00 00 ff ff`
        for (const m of scanWindow(r, off, size, 6, pattern)) {
          const target = at(num(m.address) + 7 + m.address.add(3).readS32())
          const hit = wanted.get(target.toString())
          if (hit) out.push({ at: m.address, end: m.address.add(7), target: hit })
        }
      }
    }
  return out
}

const signExtend = (value: number, bits: number): number =>
  value >= 2 ** (bits - 1) ? value - 2 ** bits : value

/** arm64 `adrp xd, page` then, within a few instructions, `add xn, xd, #lo12`. */
function arm64Xrefs(image: Image, targets: NativePointer[]): Xref[] {
  const wanted = new Map(targets.map((t) => [t.toString(), t]))
  const out: Xref[] = []
  // imm[20:5] sits in bytes 1-2; imm[4:0] (immlo, low immhi bits) and Rd are left free: 32 pages a band.
  const pages = 32
  const phase = (Math.floor(num(targets[0]) / 4096) - (pages - 1)) * 4096
  for (const r of image.code)
    for (const [off, size] of windows(r, pages * 4096, phase)) {
      const firstPage = Math.floor((num(r.base) + off) / 4096)
      const lastPage = Math.floor((num(r.base) + off + size - 1) / 4096)
      const highs = new Set<number>()
      for (const t of targets) {
        const page = Math.floor(num(t) / 4096)
        const immMin = page - lastPage
        const immMax = page - firstPage
        if (immMin < -(2 ** 20) || immMax >= 2 ** 20) continue
        for (let h = Math.floor(immMin / pages); h <= Math.floor(immMax / pages); h++) highs.add(h & 0xffff)
      }
      for (const h of highs)
        for (const m of scanWindow(r, off, size, 0, `00 ${hex2(h)} ${hex2(h >> 8)} 90 : 00 ff ff 9f`)) {
          if ((num(m.address) & 3) !== 0) continue
          const w = m.address.readU32()
          const imm = signExtend((((w >>> 5) & 0x7ffff) << 2) | ((w >>> 29) & 3), 21)
          const page = Math.floor(num(m.address) / 4096) + imm
          const rd = w & 31
          const room = Math.min(8, (num(r.base) + r.size - num(m.address)) / 4 - 1)
          for (let j = 1; j <= room; j++) {
            const x = m.address.add(4 * j).readU32()
            if ((x & 0xffc00000) >>> 0 !== 0x91000000 || ((x >>> 5) & 31) !== rd) continue
            const hit = wanted.get(at(page * 4096 + ((x >>> 10) & 0xfff)).toString())
            if (hit) out.push({ at: m.address, end: m.address.add(4 * j + 4), target: hit })
            break
          }
        }
    }
  return out
}

/** Every instruction in the module's code that loads one of these addresses. */
export function findXrefs(image: Image, targets: NativePointer[]): Xref[] {
  if (targets.length === 0) return []
  return image.arch === 'x64' ? x64Xrefs(image, targets) : arm64Xrefs(image, targets)
}

const paciasp = 0xd503233f
const pacibsp = 0xd503237f
const btiC = 0xd503245f
const btiJC = 0xd50324df
const isPacOrBti = (w: number) => w === paciasp || w === pacibsp || w === btiC || w === btiJC

/** arm64 prologues: pac/bti, `stp x29, x30, [sp, #-n]!`, or `sub sp, sp, #n` then `stp x29, x30, [sp, #m]`. */
function arm64StartAt(words: Uint32Array, i: number): number | null {
  const w = words[i]
  let start: number | null = null
  if (isPacOrBti(w)) return i
  if ((w & 0xffc07fff) >>> 0 === 0xa9807bfd) start = i
  else if ((w & 0xff8003ff) >>> 0 === 0xd10003ff && (words[i + 1] & 0xffc07fff) >>> 0 === 0xa9007bfd)
    start = i
  if (start !== null && start > 0 && isPacOrBti(words[start - 1])) return start - 1
  return start
}

/** x86-64 (16-byte aligned): `push rbp; mov rbp, rsp`, endbr64, or the first byte after int3 padding. */
function x64StartAt(b: Uint8Array, i: number): boolean {
  if (b[i] === 0x55 && b[i + 1] === 0x48 && b[i + 2] === 0x89 && b[i + 3] === 0xe5) return true
  if (b[i] === 0xf3 && b[i + 1] === 0x0f && b[i + 2] === 0x1e && b[i + 3] === 0xfa) return true
  return i > 0 && b[i - 1] === 0xcc && b[i] !== 0xcc
}

const searchSpan = 0x10000

/** The first instruction of the function that holds `p` (searched back at most 64 KiB). */
export function functionStart(image: Image, p: NativePointer): NativePointer | null {
  const r = rangeOf(image, p)
  if (!r) return null
  const back = Math.min(searchSpan, num(p) - num(r.base))
  const from = p.sub(back)
  if (image.arch === 'arm64') {
    // One word past p too: a `sub sp` at p is a start only when a `stp x29, x30` follows.
    const words = new Uint32Array(bytes(from, back + 8).buffer)
    for (let i = back / 4; i >= 0; i--) {
      const s = arm64StartAt(words, i)
      if (s !== null) return from.add(4 * s)
    }
    return null
  }
  const b = bytes(from, back + 4)
  for (let i = back - (num(p) % 16); i >= 0; i -= 16) if (x64StartAt(b, i)) return from.add(i)
  return null
}

/** Where the next function begins after `start` (at most 64 KiB on): the extent of `start`'s function. */
export function functionEnd(image: Image, start: NativePointer): NativePointer {
  const r = rangeOf(image, start)
  const len = r ? Math.min(searchSpan, num(r.base) + r.size - num(start)) : 0
  const b = bytes(start, len)
  if (image.arch === 'arm64') {
    const words = new Uint32Array(b.buffer, 0, len >> 2)
    // A pac/bti right before a stp also counts as the stp's start: skip the stp of `start` itself.
    for (let i = 2; i < words.length - 1; i++) {
      const s = arm64StartAt(words, i)
      if (s !== null && s >= 2) return start.add(4 * s)
    }
  } else for (let i = 16; i < len - 4; i += 16) if (x64StartAt(b, i)) return start.add(i)
  return start.add(len)
}

export function isFunctionStart(image: Image, p: NativePointer): boolean {
  return functionStart(image, p)?.equals(p) ?? false
}

/** arm64 instructions after which straight-line code does not go on. */
const isArm64Branch = (w: number) =>
  (w & 0x7c000000) >>> 0 === 0x14000000 || // b, bl
  (w & 0xfe9ffc1f) >>> 0 === 0xd61f0000 || // br, blr, ret
  (w & 0xff000010) >>> 0 === 0x54000000 || // b.cond
  (w & 0x7e000000) >>> 0 === 0x34000000 || // cbz, cbnz
  (w & 0x7e000000) >>> 0 === 0x36000000 // tbz, tbnz

/** arm64 `b`/`bl` target, or null. */
function arm64Direct(w: number, pc: NativePointer): NativePointer | null {
  if ((w & 0x7c000000) >>> 0 !== 0x14000000) return null
  return at(num(pc) + 4 * signExtend(w & 0x3ffffff, 26))
}

/** The constant put in the error-reason argument register (edx / w2) next to an error site's xref. */
export function reasonNear(image: Image, x: Xref): number | null {
  if (image.arch === 'arm64') {
    const movzW2 = (w: number) => ((w & 0xffe0001f) >>> 0 === 0x52800002 ? (w >>> 5) & 0xffff : null)
    for (let p = x.end, i = 0; i < 6; i++, p = p.add(4)) {
      const w = p.readU32()
      const r = movzW2(w)
      if (r !== null) return r
      if (isArm64Branch(w)) break
    }
    for (let p = x.at.sub(4), i = 0; i < 5; i++, p = p.sub(4)) {
      const w = p.readU32()
      if (isArm64Branch(w)) break
      const r = movzW2(w)
      if (r !== null) return r
    }
    return null
  }
  let p = x.end
  for (let i = 0; i < 8; i++) {
    const ins = Instruction.parse(p) as X86Instruction
    const [dst, src] = ins.operands
    if (ins.mnemonic === 'mov' && dst?.type === 'reg' && dst.value === 'edx' && src?.type === 'imm')
      return Number(src.value.toString())
    if (ins.groups.includes('jump') || ins.groups.includes('call') || ins.groups.includes('ret')) break
    p = ins.next
  }
  return null
}

/** The function that the code right after an xref calls (or tail-jumps to) first. */
export function firstCallAfter(image: Image, x: Xref): NativePointer | null {
  if (image.arch === 'arm64') {
    for (let p = x.end, i = 0; i < 12; i++, p = p.add(4)) {
      const w = p.readU32()
      const target = arm64Direct(w, p)
      if (target) return target
      if ((w & 0xfe9ffc1f) >>> 0 === 0xd61f0000) return null
    }
    return null
  }
  let p = x.end
  for (let i = 0; i < 12; i++) {
    const ins = Instruction.parse(p) as X86Instruction
    const op = ins.operands[0]
    if ((ins.mnemonic === 'call' || ins.mnemonic === 'jmp') && ins.operands.length === 1)
      return op.type === 'imm' ? ptr(op.value.toString()) : null
    if (ins.groups.includes('ret')) return null
    p = ins.next
  }
  return null
}

/** Whether code in [start, end) calls or jumps to `target` directly. */
export function callsTo(image: Image, start: NativePointer, end: NativePointer, target: NativePointer) {
  const len = num(end) - num(start)
  const b = bytes(start, len)
  const want = num(target) - num(start)
  if (image.arch === 'arm64') {
    const words = new Uint32Array(b.buffer, 0, len >> 2)
    return words.some(
      (w, i) => (w & 0x7c000000) >>> 0 === 0x14000000 && 4 * i + 4 * signExtend(w & 0x3ffffff, 26) === want,
    )
  }
  // A call/jmp rel32 is E8/E9 then the distance from its end: an exact 4-byte match, found by value.
  const view = new DataView(b.buffer)
  for (let i = 0; i + 5 <= len; i++)
    if ((b[i] === 0xe8 || b[i] === 0xe9) && i + 5 + view.getInt32(i + 1, true) === want) return true
  return false
}

/** Matches of a Memory.scan pattern in the module's code. */
export function scanCode(image: Image, pattern: string): NativePointer[] {
  return image.code.flatMap((r) => Memory.scanSync(r.base, r.size, pattern).map((m) => m.address))
}
