import { UserError } from '../errors'
import type { ProcessTarget, Target } from './backend'

function describe(target: Target | ProcessTarget | null, host: string | null): string {
  const where = host ? ` on ${host}` : ''
  if (!target) return `the device${where}`
  if ('pid' in target) return `pid ${target.pid}${where}`
  if ('pids' in target) return `pid ${target.pids.join(', ')}${where}`
  if ('name' in target) return `a process named "${target.name}"${where}`
  return `"${target.spawn.join(' ')}"${where}`
}

/**
 * Turns Frida's failures (typed by the python binding, plain messages from the node one) into messages
 * that say what to do. Frida errors are about the target or the device, so all of them are the user's to fix.
 */
export function explainFridaError(
  err: { type?: string; message: string },
  target: Target | ProcessTarget | null,
  host: string | null,
): UserError {
  const { type = '', message } = err
  const what = describe(target, host)
  const hostFlag = host ? ` --host ${host}` : ''
  if (type === 'ProcessNotFoundError' || /unable to find process/i.test(message))
    return new UserError(
      `no process matches ${what}: check that it is running ("mutescope processes${hostFlag}" lists them)`,
      'not_found',
    )
  if (type === 'PermissionDeniedError' || /permission denied|unable to access/i.test(message))
    return new UserError(
      `permission denied attaching to ${what} (${message}): run MuteScope as the target's user or as root ` +
        '(on Linux also check kernel.yama.ptrace_scope and CAP_SYS_PTRACE)',
      'permission_denied',
    )
  if (type === 'ExecutableNotFoundError' || /unable to find executable/i.test(message))
    return new UserError(`cannot spawn ${what}: executable not found; give its full path`, 'not_found')
  // Locally there is no server to reach: a closed transport is the target (or Frida's helper) going away.
  if (!host && type === 'TransportError')
    return new UserError(
      `Frida lost its connection to ${what} (${message}): the process exited or crashed while being attached; ` +
        'check that it still runs and try again',
      'frida_error',
    )
  if (
    type === 'ServerNotRunningError' ||
    type === 'TransportError' ||
    /unable to connect|connection refused/i.test(message)
  )
    return new UserError(
      `cannot reach frida-server at ${host ?? 'the local device'} (${message}): start frida-server there ` +
        '(e.g. "frida-server -l 0.0.0.0:27042") and check HOST:PORT',
      'unreachable',
    )
  return new UserError(`Frida failed on ${what}: ${message}`, 'frida_error')
}
