import { reportHookError } from '../emit'
import type { AudioFamily } from './apis'
import type { Layout, Level } from './samples'

/** One hooked audio call in progress. */
export interface AudioCall {
  module: Module
  /** What onEnter kept for onLeave (handles, buffers, counts). */
  saved: NativePointer[]
  /** The stream's sample layout, found on entry. */
  layout: Layout | null
  /** The level of the samples, when measured on entry (before the library may reuse the buffer). */
  level: Level | null
  /** A handle that a call of the same family made within this one revealed (the pa_stream under pa_simple). */
  inner: NativePointer | null
}

export interface AudioHook {
  fn: string
  enter?(args: InvocationArguments, call: AudioCall): void
  leave?(ret: InvocationReturnValue, call: AudioCall): void
  /**
   * Runs instead of enter/leave when the call is made inside another hooked call of its family on the same
   * thread: the library's own work for the app's call (alsa-lib's plugins reading their slave PCMs,
   * pa_simple_read peeking its stream), which the outer call already reports.
   */
  nested?(args: InvocationArguments, outer: AudioCall): void
}

export interface FamilyHooks {
  family: AudioFamily['family']
  hooks: AudioHook[]
  /** Attaches again, after Interceptor.detachAll(), what the family hooked beyond its exports (app callbacks). */
  reattach?(): void
}

/** Per thread and family: the hooked call the thread is inside. */
const inside = new Map<string, AudioCall>()

interface ListenerState {
  key: string
  call: AudioCall | null
}

export function audioListener(family: string, hook: AudioHook, module: Module): InvocationListenerCallbacks {
  return {
    onEnter(args) {
      const s = this as unknown as ListenerState
      s.key = `${this.threadId}:${family}`
      const outer = inside.get(s.key)
      s.call = null
      try {
        if (outer) return hook.nested?.(args, outer)
        s.call = { module, saved: [], layout: null, level: null, inner: null }
        inside.set(s.key, s.call)
        hook.enter?.(args, s.call)
      } catch (err) {
        reportHookError(hook.fn, module.name, err)
      }
    },
    onLeave(ret) {
      const s = this as unknown as ListenerState
      if (!s.call) return
      inside.delete(s.key)
      try {
        hook.leave?.(ret, s.call)
      } catch (err) {
        reportHookError(hook.fn, module.name, err)
      }
    },
  }
}

const natives = new Map<
  string,
  NativeFunction<NativeFunctionReturnValue, NativeFunctionArgumentValue[]> | null
>()

/**
 * A function of the audio library to ask about a stream (its sample format...), from `module` or, with null,
 * from whichever module exports it; null when there is none.
 */
export function native<F>(
  module: Module | null,
  name: string,
  ret: NativeFunctionReturnType,
  args: NativeFunctionArgumentType[],
): F | null {
  const key = `${module?.path ?? '*'}!${name}`
  let f = natives.get(key)
  if (f === undefined) {
    const address = module ? module.findExportByName(name) : Module.findGlobalExportByName(name)
    f = address ? new NativeFunction(address, ret, args) : null
    natives.set(key, f)
  }
  return f as F | null
}
