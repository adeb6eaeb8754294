import { carried } from './claims'
import { reportHookError, wantedBytes } from './emit'
import { deliver, endpointOf, onSocketCall, type Endpoint } from './links'
import { config } from './state'
import { firstBuffer, isTlsRecord, noteOutgoing } from './unseen'
import { wsaBufPlaintext, type Plaintext } from './windows-buffers'
import { callArgs, isPeModule } from './wine-pe'

/**
 * Winsock's sends (send, sendto, WSASend, WSASendTo in ws2_32.dll), on Windows and in Wine processes, hooked on
 * entry (windows-calls.ts says why). Their TLS records tie the Windows TLS APIs' plaintext to its connection
 * (links.ts) and reveal TLS that no hook saw (unseen.ts). What a program sends on a TCP connection that is no
 * TLS record is plaintext (plain HTTP) and is captured here, unless an API the program called hands it to the
 * socket (WinHTTP's body to an http:// URL): that API's capture (claims.ts). Under Wine a SOCKET is a Wine
 * handle, not the Linux fd that the host's calls under Winsock use: Wine's wine_server_handle_to_fd maps it.
 */

type HandleToFd = NativeFunction<number, [NativePointerValue, number, NativePointerValue, NativePointerValue]>

let handleToFd: HandleToFd | null = null
let closeFd: NativeFunction<number, [number]> | null = null

/**
 * Finds, in Wine's ntdll.dll, how a Wine handle becomes its fd (when hooks go in, never in a hook). Its PE
 * export, called the Windows x64 way: from a Windows call's hook, Wine's Unix code is reached only through
 * the PE side (ntdll.so's own export faults there).
 */
export function useWineServer(ntdll: Module): void {
  const toFd = ntdll.findExportByName('wine_server_handle_to_fd')
  const close = Module.findGlobalExportByName('close')
  // NTSTATUS wine_server_handle_to_fd(HANDLE, unsigned access, int *unix_fd, unsigned *options)
  handleToFd =
    toFd && close && new NativeFunction(toFd, 'uint', ['pointer', 'uint', 'pointer', 'pointer'], 'win64')
  closeFd = close && new NativeFunction(close, 'int', ['int'])
}

/** A Wine SOCKET's connection, read from a duplicate of its fd (what wine_server_handle_to_fd hands out). */
function wineEndpoint(socket: NativePointer): Endpoint | null {
  if (!handleToFd || !closeFd) return null
  // int fd, then unsigned options (which Wine writes whether asked or not).
  const fd = Memory.alloc(8)
  if (handleToFd(socket, 0, fd, fd.add(4)) !== 0) return null
  try {
    return endpointOf(fd.readS32())
  } finally {
    closeFd(fd.readS32())
  }
}

/** The calls whose bytes go to one connected peer: plaintext on a TCP connection is captured from them. */
const streamSends = new Set(['send', 'WSASend'])

/** (s, buf, len, ...) for send/sendto; (s, WSABUF *buffers, count, ...) for WSASend/WSASendTo. */
function sentBytes(gathers: boolean, args: InvocationArguments, cap: number): Plaintext | null {
  if (gathers) return wsaBufPlaintext(args[1], args[2].toUInt32(), cap)
  const size = args[2].toUInt32()
  const bytes = size > 0 && !args[1].isNull() ? args[1].readByteArray(Math.min(size, cap)) : null
  return bytes && { bytes, size }
}

/** The entry hook of one Winsock send function in `module` (ws2_32.dll, Windows' or a Wine process's). */
export function winsockProbe(fn: string, module: Module): InstructionProbeCallback {
  const resolve = isPeModule(module) ? wineEndpoint : (s: NativePointer) => endpointOf(s.toInt32())
  const gathers = fn.startsWith('WSA')
  return function (raw) {
    try {
      const args = callArgs(module, raw, this.context)
      const socket = args[0]
      const thread = this.threadId
      let ep: Endpoint | null | undefined
      const endpoint = () => (ep === undefined ? (ep = resolve(socket)) : ep)
      const [buf, len] = gathers ? firstBuffer(args[1], true) : [args[1], args[2].toUInt32()]
      const tls = isTlsRecord(buf, len)
      const conn = !tls && streamSends.has(fn) ? endpoint() : null
      const plain = conn?.conn.startsWith('tcp') ? sentBytes(gathers, args, config.cap) : null
      // Bytes that a call the program made above hands on are its capture (sent now, tied to this connection).
      if (plain && !carried(thread, new Uint8Array(plain.bytes), plain.size) && wantedBytes(plain.bytes)) {
        const meta = {
          type: 'capture' as const,
          t: Date.now(),
          fn,
          module: module.name,
          thread,
          dir: 'out' as const,
          size: plain.size,
        }
        deliver(thread, `winsock:${socket}`, conn, meta, plain.bytes)
      }
      if (onSocketCall(thread, endpoint)) return
      noteOutgoing(socket.toInt32(), buf, len, endpoint)
    } catch (err) {
      reportHookError(fn, module.name, err)
    }
  }
}
