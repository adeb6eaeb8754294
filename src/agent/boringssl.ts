import { imageOf, type Image } from './code-scan'
import { reportHookError } from './emit'
import type { HookGroup, KeylogMessage } from './protocol'

/**
 * BoringSSL's key log. ssl_log_secret(ssl, label, Span<const uint8_t> secret) is called for every TLS
 * secret (CLIENT_RANDOM in TLS 1.2; the handshake, traffic and exporter secrets in TLS 1.3) whether or not
 * the app set a key-log callback; the Span travels in two registers. The line also needs the client random,
 * ssl->s3->client_random, whose offsets differ between builds: they are read from ssl_log_secret's own
 * code, where it hex-encodes those 32 bytes.
 */

export interface ClientRandomPath {
  /** Offset of `s3` (a pointer) in SSL. */
  s3: number
  /** Offset of `client_random` in SSL3_STATE. */
  random: number
}

const maxInstructions = 200
/** What a call may change (SysV x86-64, AAPCS64 x0-x18): a value held there before the call is gone. */
const x64CallerSaved = ['rax', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11']
const arm64CallerSaved = Array.from({ length: 19 }, (_, i) => i)

/** The canonical 64-bit name of an x86-64 register (eax, al, r13d -> rax, rax, r13). */
function reg64(name: string): string {
  const numbered = /^r(\d+)[dwb]?$/.exec(name)
  if (numbered) return `r${numbered[1]}`
  const legacy = /^[re]?([abcd])[xlh]$/.exec(name)
  if (legacy) return `r${legacy[1]}x`
  const pointer = /^[re]?(si|di|bp|sp)l?$/.exec(name)
  return pointer ? `r${pointer[1]}` : name
}

/** Registers holding the SSL pointer, and registers holding a pointer loaded from [ssl + offset]. */
class Tracked<R> {
  readonly ssl: Set<R>
  readonly loaded = new Map<R, number>()
  constructor(first: R) {
    this.ssl = new Set([first])
  }
  forget(...regs: R[]): void {
    for (const r of regs) {
      this.ssl.delete(r)
      this.loaded.delete(r)
    }
  }
}

/**
 * Follows the first argument (the SSL) through register copies to a load `s3 = [ssl + a]`, then to the first
 * byte read or address taken at `[s3 + b]`: the client random, the only byte array of s3 the function reads.
 */
function x64Path(start: NativePointer): ClientRandomPath | null {
  const t = new Tracked('rdi')
  let p = start
  for (let i = 0; i < maxInstructions; i++) {
    const ins = Instruction.parse(p) as X86Instruction
    p = ins.next
    if (ins.mnemonic === 'call') t.forget(...x64CallerSaved)
    const [dst, src] = ins.operands
    const mem = ins.operands.find((o) => o.type === 'mem')
    const base = mem?.type === 'mem' && mem.value.base ? reg64(mem.value.base) : null
    if (mem?.type === 'mem' && base && t.loaded.has(base) && (ins.mnemonic === 'lea' || mem.size === 1))
      return { s3: t.loaded.get(base)!, random: mem.value.disp }
    if (dst?.type !== 'reg' || !dst.access.includes('w')) continue
    const d = reg64(dst.value)
    t.forget(d)
    if (ins.mnemonic !== 'mov' || dst.size !== 8) continue
    if (src?.type === 'reg' && t.ssl.has(reg64(src.value))) t.ssl.add(d)
    else if (src?.type === 'mem' && src.value.base && !src.value.index && !src.value.segment)
      if (t.ssl.has(reg64(src.value.base))) t.loaded.set(d, src.value.disp)
  }
  return null
}

/** The same walk over arm64 words: `mov xd, xn`, `ldr xt, [xn, #a]`, then `add xd, xs3, #b` or `ldrb [xs3, #b]`. */
function arm64Path(start: NativePointer): ClientRandomPath | null {
  const t = new Tracked(0)
  const words = new Uint32Array(start.readByteArray(4 * maxInstructions) ?? new ArrayBuffer(0))
  for (const w of words) {
    // bl, blr
    if ((w & 0xfc000000) >>> 0 === 0x94000000 || (w & 0xfffffc1f) >>> 0 === 0xd63f0000)
      t.forget(...arm64CallerSaved)
    const d = w & 31
    const n = (w >>> 5) & 31
    const imm12 = (w >>> 10) & 0xfff
    if ((w & 0xffc00000) >>> 0 === 0x91000000 || (w & 0xffc00000) >>> 0 === 0x39400000) {
      // add xd, xn, #imm / ldrb wt, [xn, #imm]
      if (t.loaded.has(n)) return { s3: t.loaded.get(n)!, random: imm12 }
      t.forget(d)
    } else if ((w & 0xffe0ffe0) >>> 0 === 0xaa0003e0) {
      // mov xd, xm (orr xd, xzr, xm)
      const fromSsl = t.ssl.has((w >>> 16) & 31)
      t.forget(d)
      if (fromSsl) t.ssl.add(d)
    } else if ((w & 0xffc00000) >>> 0 === 0xf9400000) {
      // ldr xt, [xn, #imm*8]
      const fromSsl = t.ssl.has(n)
      t.forget(d)
      if (fromSsl) t.loaded.set(d, imm12 * 8)
    }
  }
  return null
}

/** Where ssl_log_secret (at `start`) finds the client random, or null when its code does not say. */
export function clientRandomPath(image: Image, start: NativePointer): ClientRandomPath | null {
  const path = image.arch === 'x64' ? x64Path(start) : arm64Path(start)
  // Both are small offsets into heap objects; anything else is a misread.
  return path && path.s3 >= 0 && path.s3 < 0x1000 && path.random >= 0 && path.random < 0x1000 ? path : null
}

const hex = (b: ArrayBuffer | null): string =>
  [...new Uint8Array(b ?? new ArrayBuffer(0))].map((x) => x.toString(16).padStart(2, '0')).join('')

/** "LABEL <client random> <secret>", or null for arguments that are not a key-log call's. */
export function keylogLine(args: InvocationArguments, path: ClientRandomPath): string | null {
  // (readCString(n) would read n bytes whatever the NUL.)
  const label = args[1].readCString()
  const size = args[3].toUInt32()
  // EVP_MAX_MD_SIZE (64) bounds every TLS secret.
  if (!label || !/^[A-Z0-9_]{1,63}$/.test(label) || size === 0 || size > 64) return null
  const random = args[0].add(path.s3).readPointer().add(path.random).readByteArray(32)
  return `${label} ${hex(random)} ${hex(args[2].readByteArray(size))}`
}

export const keylogHook = { fn: 'ssl_log_secret', group: 'boringssl' as HookGroup }

/** The key-log listener for ssl_log_secret at `address`; null when the client random cannot be found. */
export function keylogListener(module: Module, address: NativePointer): InvocationListenerCallbacks | null {
  const image = imageOf(module)
  const path = image && clientRandomPath(image, address)
  if (!path) {
    reportHookError(keylogHook.fn, module.name, new Error('no client random offsets in its code: no key log'))
    return null
  }
  return {
    onEnter(args) {
      try {
        const line = keylogLine(args, path)
        if (line) send({ type: 'keylog', line } satisfies KeylogMessage)
      } catch (err) {
        reportHookError(keylogHook.fn, module.name, err)
      }
    },
  }
}
