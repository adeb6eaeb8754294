import { seccompSandboxed } from './sandboxed'

/** Why a process of a followed tree is not attached: what it is, and why that rules it out. */
export interface LeftAlone {
  what: string
  why: string
}

/**
 * The processes of an app that an agent would break and that do no networking of their own: the processes
 * that only fork the others (an agent going in while they fork can stall the app), and sandboxed ones.
 * Firefox's children are known by their command line, because they enter their seccomp sandbox moments
 * after they start, which on a loaded machine is later than the tree's poll sees them.
 */
export function leaveAlone(p: { pid: number; argv: string[] | null }, host: string | null): LeftAlone | null {
  // Chromium rewrites its command line as one space-joined string (setproctitle), so the switch is looked
  // for as a word, not as an element.
  if (p.argv?.some((a) => /(^|\s)--type=zygote(\s|$)/.test(a)))
    return { what: "is Chromium's zygote", why: 'it only forks the others' }
  if (p.argv?.includes('-contentproc')) {
    if (p.argv.at(-1) === 'forkserver')
      return { what: "is Firefox's fork server", why: 'it only forks the others' }
    return {
      what: 'runs in a seccomp sandbox',
      why: 'a Firefox child process sandboxes itself as it starts; Frida would break it, and the parent does the networking',
    }
  }
  if (seccompSandboxed(p.pid, host))
    return {
      what: 'runs in a seccomp sandbox',
      why: 'Frida would break it; sandboxed processes do their networking through an unsandboxed one, which is attached',
    }
  return null
}
