import { UserError } from '../errors'
import type { ProcessTarget, Target } from './backend'

function describe(target: Target | ProcessTarget | null, host: string | null): string {
  const where = host ? ` on ${host}` : ''
  if (!target) return `the device${where}`
  if ('pid' in target) return `pid ${target.pid}${where}`
  if ('pids' in target) return `pid ${target.pids.join(', ')}${where}`
  if ('name' in target) return `a process named "${target.name}"${where}`
  if ('every' in target) return `the processes${where}`
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
  remote: { label: string; token: string | null; certificate: string | null; version: string } | null = null,
): UserError {
  const { type = '', message } = err
  const what = describe(target, host)
  const hostFlag = host ? ` --host ${host}` : ''
  if (remote) {
    const refused = remoteRefusal(type, message, remote)
    if (refused) return refused
  }
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

/** A registered remote device that refused us: its token, its TLS certificate, or its Frida protocol. */
function remoteRefusal(
  type: string,
  message: string,
  remote: { label: string; token: string | null; certificate: string | null; version: string },
): UserError | null {
  const { label } = remote
  if (/incorrect token|authenticat|not authorized|unauthorized/i.test(message))
    return new UserError(
      remote.token === null
        ? `${label} requires a token (${message}): register it with the device's token ("mutescope devices add ... --token T")`
        : `${label} refused the token (${message}): give the token the device was started with ` +
            '("mutescope devices add ... --token T", or the one "mutescope portal serve" printed)',
      'auth',
    )
  if (/certificate|tls|handshake/i.test(message))
    return new UserError(
      `${label} did not present the TLS certificate it is registered with (${message}): give the certificate ` +
        'the device serves ("mutescope devices add ... --cert FILE")',
      'tls',
    )
  if (!remote.certificate && /connection reset|error receiving data/i.test(message))
    return new UserError(
      `${label} closed the connection at once (${message}): if it serves TLS, register its certificate ` +
        '("mutescope devices add ... --cert FILE")',
      'tls',
    )
  if (type === 'ProtocolError' || /major versions match|incompatible|protocol/i.test(message))
    return new UserError(
      `${label} speaks another Frida protocol (${message}): this workbench runs Frida ${remote.version}; ` +
        'install the same Frida version on both ends (pip install frida==VERSION)',
      'version',
    )
  if (
    type === 'ServerNotRunningError' ||
    /unable to connect|connection refused|could not connect/i.test(message)
  )
    return new UserError(
      `cannot reach ${label} (${message}): check that it runs and listens there ` +
        '("mutescope devices list" shows whether each device answers)',
      'unreachable',
    )
  if (type === 'TransportError' || /connection is closed|timeout was reached/i.test(message))
    return new UserError(
      `${label} closed the connection or did not answer (${message}): check that it still runs and that ` +
        'nothing between blocks it, then try again',
      'unreachable',
    )
  return null
}
