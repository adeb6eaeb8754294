import { carried, claim, hasClaims } from './claims'
import { reportHookError, wantedBytes } from './emit'
import type { PlainHook } from './hooks'
import { deliver, endpointOf } from './links'
import { config } from './state'
import { callArgs } from './wine-pe'

/**
 * The Windows APIs (EncryptMessage, BCryptEncrypt, WinHTTP) are hooked on entry only, on Windows as under
 * Wine: a hook waiting for a Windows call's return breaks Frida under Wine once the call goes into Wine's
 * Unix code (another stack) and a host function hooked there runs, as the host's GnuTLS does under
 * EncryptMessage. Their plaintext is all there on entry; its connection comes from the thread's next socket
 * call (links.ts), and a call under them that carries the same bytes is theirs (claims.ts).
 */
export function entryListener(hook: PlainHook, module: Module): InstructionProbeCallback {
  // A probe (a function, not callbacks): Frida then sets no return trap at all.
  return function (args) {
    try {
      const call = hook.enter(callArgs(module, args, this.context), module)
      if (!call) return
      const size = call.plain?.size ?? call.len ?? 0
      const bytes =
        call.plain?.bytes ??
        (call.buf && size > 0 ? call.buf.readByteArray(Math.min(size, config.cap)) : null)
      if (!bytes || size <= 0) return
      const thread = this.threadId
      const view = new Uint8Array(bytes)
      const report = () => {
        if (!wantedBytes(bytes)) return
        const meta = {
          type: 'capture' as const,
          t: Date.now(),
          fn: hook.fn,
          module: module.name,
          thread,
          dir: hook.dir,
          size,
        }
        deliver(thread, call.ctx, endpointOf(call.fd), meta, bytes)
      }
      // Carried for a call it was made under (WinHttpWriteData's body through EncryptMessage): that call's
      // capture, not a second one; its own bytes are still claimed for the calls under it.
      if (carried(thread, view, size)) return claim(thread, view, size, null)
      if (hook.onEntry === 'carried') return claim(thread, view, size, report)
      report()
      claim(thread, view, size, null)
    } catch (err) {
      reportHookError(hook.fn, module.name, err)
    }
  }
}

/** Whether a host TLS write of `n` bytes at `buf` carries what a Windows API on its thread reported. */
export function carriedBuffer(thread: number, buf: NativePointer, n: number): boolean {
  if (!hasClaims(thread)) return false
  const bytes = buf.readByteArray(Math.min(n, config.cap))
  return bytes !== null && carried(thread, new Uint8Array(bytes), n)
}
