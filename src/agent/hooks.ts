import { nssSocket } from './nss'
import type { HookGroup } from './protocol'
import { config } from './state'
import { bcryptPlaintext, secBufferPlaintext, type Plaintext } from './windows-buffers'

/** One intercepted call in progress: which TLS context, which socket if the library says, where the bytes are. */
export interface Call {
  ctx: string
  fd: number
  buf?: NativePointer
  len?: number
  extra?: NativePointer
  /** Bytes copied on entry, for APIs that encrypt in place. */
  plain?: Plaintext
}

export interface PlainHook {
  fn: string
  group: HookGroup
  dir: 'out' | 'in'
  /** Only modules whose name matches; absent: any module exporting fn (apps ship their own TLS). */
  modules?: RegExp
  /** Runs when the hook is installed: what enter needs from the module is looked up here, never in a hook. */
  prepare?(module: Module): void
  enter(args: InvocationArguments, module: Module): Call | null
  /** Bytes the call consumed or produced (read from call.buf); for `plain` calls >0 keeps them; <=0 drops. */
  leave?(ret: InvocationReturnValue, call: Call): number
  /**
   * A Windows API, reported when it is entered (windows-calls.ts): `now`, or `carried` for a request body,
   * which goes out when the call under it that sends it runs, after the headers WinHTTP writes first.
   */
  onEntry?: 'now' | 'carried'
}

const helpers = new Map<string, NativeFunction<number, [NativePointerValue]> | null>()

/**
 * Finds an `int f(void *)` helper exported by a module (SSL_get_fd...) when its hook goes in: a symbol lookup
 * from inside a hook could wait on a lock that the hooked thread's own caller holds.
 */
function resolveHelper(module: Module, name: string): void {
  const key = `${module.path}!${name}`
  if (helpers.has(key)) return
  const address = module.findExportByName(name)
  helpers.set(key, address ? new NativeFunction(address, 'int', ['pointer']) : null)
}

/** Calls a helper resolved at install time; -1 if the module has none. */
function callInt(module: Module, name: string, arg: NativePointer): number {
  const f = helpers.get(`${module.path}!${name}`)
  return f ? f(arg) : -1
}

const byReturn = (ret: InvocationReturnValue): number => ret.toInt32()

/** SSL_write_ex/SSL_read_ex report the byte count through a size_t pointer and return 1 on success. */
const byCountPointer = (ret: InvocationReturnValue, call: Call): number =>
  ret.toInt32() !== 1
    ? 0
    : call.extra && !call.extra.isNull()
      ? call.extra.readPointer().toUInt32()
      : (call.len ?? 0)

function tls(
  fn: string,
  group: HookGroup,
  dir: 'out' | 'in',
  fdHelper: string | null,
  ex = false,
): PlainHook {
  return {
    fn,
    group,
    dir,
    prepare: (m) => {
      if (fdHelper) resolveHelper(m, fdHelper)
    },
    enter: (args, m) => ({
      ctx: `${group}:${args[0]}`,
      fd: fdHelper ? callInt(m, fdHelper, args[0]) : -1,
      buf: args[1],
      len: args[2].toUInt32(),
      extra: ex ? args[3] : undefined,
    }),
    leave: ex ? byCountPointer : byReturn,
  }
}

function nss(fn: string, dir: 'out' | 'in'): PlainHook {
  return {
    fn,
    group: 'nss',
    dir,
    enter: (args, m) => {
      const fd = nssSocket(m, args[0])
      return fd === null ? null : { ctx: `nss:${args[0]}`, fd, buf: args[1] }
    },
    leave: byReturn,
  }
}

export const plainHooks: PlainHook[] = [
  tls('SSL_write', 'openssl', 'out', 'SSL_get_fd'),
  tls('SSL_write_ex', 'openssl', 'out', 'SSL_get_fd', true),
  tls('SSL_read', 'openssl', 'in', 'SSL_get_fd'),
  tls('SSL_read_ex', 'openssl', 'in', 'SSL_get_fd', true),
  // BoringSSL linked into an app (Chromium, Electron): OpenSSL's signatures, found by resources/tls-patterns.
  tls('SSL_write', 'boringssl', 'out', 'SSL_get_fd'),
  tls('SSL_read', 'boringssl', 'in', 'SSL_get_fd'),
  tls('gnutls_record_send', 'gnutls', 'out', 'gnutls_transport_get_int'),
  tls('gnutls_record_recv', 'gnutls', 'in', 'gnutls_transport_get_int'),
  nss('PR_Write', 'out'),
  nss('PR_Read', 'in'),
  tls('mbedtls_ssl_write', 'mbedtls', 'out', null),
  tls('mbedtls_ssl_read', 'mbedtls', 'in', null),
  tls('wolfSSL_write', 'wolfssl', 'out', 'wolfSSL_get_fd'),
  tls('wolfSSL_read', 'wolfssl', 'in', 'wolfSSL_get_fd'),
  {
    fn: 'EncryptMessage',
    group: 'schannel',
    dir: 'out',
    modules: /^(sspicli|secur32)\.dll$/i,
    enter: (args) => {
      const plain = secBufferPlaintext(args[2], config.cap)
      // CtxtHandle { ULONG_PTR dwLower, dwUpper }: the handle's value, not its (often stack) address.
      const ctx = `schannel:${args[0].readPointer()}:${args[0].add(Process.pointerSize).readPointer()}`
      return plain && { ctx, fd: -1, plain }
    },
    onEntry: 'now',
  },
  {
    fn: 'BCryptEncrypt',
    group: 'cng',
    dir: 'out',
    modules: /^bcrypt\.dll$/i,
    enter: (args) => {
      const plain = bcryptPlaintext(args, config.cap)
      return plain && { ctx: `cng:${args[0]}`, fd: -1, plain }
    },
    onEntry: 'now',
  },
  {
    fn: 'WinHttpWriteData',
    group: 'winhttp',
    dir: 'out',
    modules: /^winhttp\.dll$/i,
    enter: (args) => ({ ctx: `winhttp:${args[0]}`, fd: -1, buf: args[1], len: args[2].toUInt32() }),
    onEntry: 'carried',
  },
  {
    // (hRequest, headers, headersLength, optional, optionalLength, totalLength, context): the optional body.
    fn: 'WinHttpSendRequest',
    group: 'winhttp',
    dir: 'out',
    modules: /^winhttp\.dll$/i,
    enter: (args) => {
      const len = args[4].toUInt32()
      return args[3].isNull() || len === 0 ? null : { ctx: `winhttp:${args[0]}`, fd: -1, buf: args[3], len }
    },
    onEntry: 'carried',
  },
]

/** The calls that carry ciphertext out; their first argument is the fd or SOCKET (Winsock's: winsock.ts). */
export const socketHooks: Record<'windows' | 'host', { fns: string[]; modules: RegExp }> = {
  windows: { fns: ['send', 'sendto', 'WSASend', 'WSASendTo'], modules: /^ws2_32\.dll$/i },
  host: {
    fns: ['write', 'writev', 'send', 'sendto', 'sendmsg'],
    modules: /^(libc[.-]|ld-musl|libsystem_kernel\.dylib$)/i,
  },
}
