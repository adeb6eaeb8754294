import { reportHookError } from './emit'
import { plainHooks, socketHooks, type Call, type PlainHook } from './hooks'
import { deliver, endpointOf, enterTls, leaveTls, onSocketCall, watchSocketFor, type Endpoint } from './links'
import type { HookedFunction } from './protocol'
import { config } from './state'

interface PlainState {
  entered: boolean
  call: Call | null
  ep: Endpoint | null
}

function plainListener(hook: PlainHook, module: Module): InvocationListenerCallbacks {
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
        const n = hook.leave(ret, call)
        if (n <= 0) return
        const bytes = call.plain?.bytes ?? call.buf?.readByteArray(Math.min(n, config.cap)) ?? null
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

function socketListener(fn: string, module: Module): InvocationListenerCallbacks {
  return {
    onEnter(args) {
      try {
        onSocketCall(this.threadId, args[0].toInt32())
      } catch (err) {
        reportHookError(fn, module.name, err)
      }
    },
  }
}

function isInside(address: NativePointer, module: Module): boolean {
  return address.compare(module.base) >= 0 && address.compare(module.base.add(module.size)) < 0
}

const hooked = new Map<string, HookedFunction>()
let observer: ModuleObserver | null = null

function attach(
  fn: string,
  module: Module,
  group: HookedFunction['group'],
  make: () => InvocationListenerCallbacks,
) {
  const address = module.findExportByName(fn)
  // The lookup also finds what the module's dependencies export (dlsym semantics); those are hooked, and
  // named, when their own module comes by.
  if (!address || hooked.has(address.toString()) || !isInside(address, module)) return null
  Interceptor.attach(address, make())
  const h: HookedFunction = { fn, module: module.name, group, address: address.toString() }
  hooked.set(h.address, h)
  return h
}

function hookSockets(module: Module): HookedFunction[] {
  const added: HookedFunction[] = []
  if (!config.hooks.includes('socket') || !socketHooks.modules.test(module.name)) return added
  for (const fn of socketHooks.fns) {
    try {
      const h = attach(fn, module, 'socket', () => socketListener(fn, module))
      if (h) added.push(h)
    } catch (err) {
      reportHookError(fn, module.name, err)
    }
  }
  return added
}

/** Hooks what the configured groups want in one module; returns what it hooked. */
function hookModule(module: Module): HookedFunction[] {
  const added = hookSockets(module)
  for (const hook of plainHooks) {
    if (!config.hooks.includes(hook.group) || (hook.modules && !hook.modules.test(module.name))) continue
    try {
      const h = attach(hook.fn, module, hook.group, () => plainListener(hook, module))
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
  // Socket hooks first: a TLS write made while the rest goes in can then still be tied to its connection.
  for (const module of Process.enumerateModules()) hookSockets(module)
  let initial = true
  observer = Process.attachModuleObserver({
    onAdded(module) {
      const added = hookModule(module)
      if (!initial && added.length > 0) send({ type: 'hooks', hooks: added })
    },
  })
  initial = false
  return inventory()
}

export function inventory(): HookedFunction[] {
  return [...hooked.values()]
}
