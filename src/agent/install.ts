import { keylogHook, keylogListener } from './boringssl'
import { reportHookError, wanted, wantedBytes } from './emit'
import { plainHooks, socketHooks, type Call, type PlainHook } from './hooks'
import { deliver, endpointOf, enterTls, leaveTls, onSocketCall, watchSocketFor, type Endpoint } from './links'
import { locate } from './locate'
import { hookAudio, reportAudio, resetAudio } from './audio/install'
import type { AudioApiReport, HookedFunction } from './protocol'
import { reachOf, unreachableRuntimes } from './reach'
import { config } from './state'
import { firstBuffer, noteOutgoing } from './unseen'
import { carriedBuffer, entryListener } from './windows-calls'
import { useWineServer, winsockProbe } from './winsock'
import { isPeModule, isWineNtdll, stopPeWatch, watchPeImages } from './wine-pe'

interface PlainState {
  entered: boolean
  call: Call | null
  ep: Endpoint | null
}

function plainListener(
  hook: PlainHook,
  module: Module,
): InvocationListenerCallbacks | InstructionProbeCallback {
  hook.prepare?.(module)
  if (hook.onEntry) return entryListener(hook, module)
  return {
    onEnter(args) {
      const s = this as unknown as PlainState
      s.entered = enterTls(this.threadId)
      s.call = null
      if (!s.entered) return
      try {
        s.call = hook.enter(args, module)
        s.ep = s.call ? endpointOf(s.call.fd) : null
        if (s.call && !s.ep) watchSocketFor(this.threadId, s.call.ctx)
      } catch (err) {
        s.call = null
        reportHookError(hook.fn, module.name, err)
      }
    },
    onLeave(ret) {
      const s = this as unknown as PlainState
      if (!s.entered) return
      const during = leaveTls(this.threadId)
      const call = s.call
      if (!call) return
      try {
        const n = hook.leave?.(ret, call) ?? 0
        if (n <= 0) return
        const kept = Math.min(n, config.cap)
        // Under Wine, the host's TLS writes what Schannel's EncryptMessage was given: reported there.
        if (hook.dir === 'out' && call.buf && carriedBuffer(this.threadId, call.buf, n)) return
        // The content filter looks at the app's buffer first: what it drops is never copied.
        const bytes = call.plain
          ? wantedBytes(call.plain.bytes) && call.plain.bytes
          : call.buf && wanted(call.buf, kept) && call.buf.readByteArray(kept)
        if (!bytes) return
        const meta = {
          type: 'capture' as const,
          t: Date.now(),
          fn: hook.fn,
          module: module.name,
          thread: this.threadId,
          dir: hook.dir,
          size: call.plain?.size ?? n,
        }
        deliver(this.threadId, call.ctx, s.ep ?? during, meta, bytes)
      } catch (err) {
        reportHookError(hook.fn, module.name, err)
      }
    },
  }
}

/** Where each socket call keeps its first outgoing buffer. */
function outgoingBuffer(fn: string, args: InvocationArguments): [NativePointer, number] {
  if (fn === 'writev') return firstBuffer(args[1], false)
  if (fn === 'sendmsg') return firstBuffer(args[1].add(2 * Process.pointerSize).readPointer(), false)
  return [args[1], args[2].toUInt32()]
}

function socketListener(fn: string, module: Module): InvocationListenerCallbacks {
  return {
    onEnter(args) {
      try {
        const fd = args[0].toInt32()
        const endpoint = () => endpointOf(fd)
        // Inside a hooked TLS call the records are that call's own: seen by definition.
        if (onSocketCall(this.threadId, endpoint)) return
        const [buf, len] = outgoingBuffer(fn, args)
        noteOutgoing(fd, buf, len, endpoint)
      } catch (err) {
        reportHookError(fn, module.name, err)
      }
    },
  }
}

const hooked = new Map<string, HookedFunction>()
const listeners = new Map<string, InvocationListener>()
let observer: ModuleObserver | null = null
/** A Wine process: its programs send through Winsock, whose hooks replace the host's socket hooks. */
let wine = false

function attach(
  fn: string,
  module: Module,
  group: HookedFunction['group'],
  make: (address: NativePointer) => InvocationListenerCallbacks | InstructionProbeCallback | null,
) {
  const found = locate(fn, module, group)
  if (!found || hooked.has(found.address.toString())) return null
  const listener = make(found.address)
  if (!listener) return null
  listeners.set(found.address.toString(), Interceptor.attach(found.address, listener))
  const h: HookedFunction = {
    fn,
    module: module.name,
    group,
    address: found.address.toString(),
    how: found.how,
  }
  hooked.set(h.address, h)
  return h
}

function hookSockets(module: Module): HookedFunction[] {
  const added: HookedFunction[] = []
  const { windows, host } = socketHooks
  const winsock = windows.modules.test(module.name) && (Process.platform === 'windows' || isPeModule(module))
  // Under Wine the host's socket calls run under Winsock's, which name the connection and the program's call.
  if (!config.hooks.includes('socket') || (!winsock && (wine || !host.modules.test(module.name))))
    return added
  for (const fn of winsock ? windows.fns : host.fns) {
    try {
      const make = () => (winsock ? winsockProbe(fn, module) : socketListener(fn, module))
      const h = attach(fn, module, 'socket', make)
      if (h) added.push(h)
    } catch (err) {
      reportHookError(fn, module.name, err)
    }
  }
  return added
}

/** A process found to be a Wine one once its host socket calls were hooked (one spawned): those hooks go. */
function dropHostSockets(): void {
  for (const [address, h] of hooked) {
    if (h.group !== 'socket' || !socketHooks.host.modules.test(h.module)) continue
    listeners.get(address)?.detach()
    listeners.delete(address)
    hooked.delete(address)
  }
}

/** Hooks what the configured groups want in one module; returns what it hooked. */
function hookModule(module: Module): HookedFunction[] {
  const added = hookSockets(module)
  const wanted = [
    ...plainHooks.map((hook) => ({ ...hook, make: () => plainListener(hook, module) })),
    { ...keylogHook, modules: undefined, make: (a: NativePointer) => keylogListener(module, a) },
  ]
  for (const hook of wanted) {
    if (!config.hooks.includes(hook.group) || (hook.modules && !hook.modules.test(module.name))) continue
    // Under Wine, Windows code gets entry hooks only (windows-calls.ts says why).
    if (isPeModule(module) && !('onEntry' in hook && hook.onEntry)) continue
    try {
      const h = attach(hook.fn, module, hook.group, hook.make)
      if (h) added.push(h)
    } catch (err) {
      reportHookError(hook.fn, module.name, err)
    }
  }
  return added
}

/**
 * (Re)installs every hook for the current configuration, in the modules loaded now and, through the module
 * observer, in those loaded later (their hooks are announced to the host as they appear).
 */
export function installHooks(): HookedFunction[] {
  observer?.detach()
  Interceptor.detachAll()
  hooked.clear()
  listeners.clear()
  resetAudio()
  const modules = Process.enumerateModules()
  wine = modules.some(isWineNtdll)
  // Socket hooks first: a TLS write made while the rest goes in can then still be tied to its connection.
  for (const module of modules) hookSockets(module)
  let initial = true
  const audio: AudioApiReport[] = []
  stopPeWatch()
  const onAdded = (module: Module) => {
    if (isPeModule(module) && /^ntdll\.dll$/i.test(module.name)) useWineServer(module)
    const added = hookModule(module)
    const apis = hookAudio(module)
    if (initial) audio.push(...apis)
    else if (apis.length > 0) reportAudio(apis)
    // A Wine process: its Windows DLLs, which Frida does not list, are hooked as they are found.
    if (isWineNtdll(module)) {
      wine = true
      dropHostSockets()
      watchPeImages(onAdded)
    }
    if (initial || added.length === 0) return
    send({ type: 'hooks', hooks: added })
    send({ type: 'libraries', libraries: reachOf(added) })
  }
  observer = Process.attachModuleObserver({ onAdded })
  initial = false
  if (config.micAccess) reportAudio(audio)
  send({
    type: 'libraries',
    libraries: [...reachOf(inventory()), ...unreachableRuntimes(Process.enumerateModules())],
  })
  return inventory()
}

export function inventory(): HookedFunction[] {
  return [...hooked.values()]
}
