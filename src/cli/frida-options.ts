import { InvalidArgumentError, Option } from 'commander'
import { UserError } from '../core/errors'

/** Lets a parser's UserError surface as commander's own invalid-argument error (message shown, exit 1). */
export function optionParser<T>(parse: (value: string, previous: T) => T): (value: string, previous: T) => T {
  return (value, previous) => {
    try {
      return parse(value, previous)
    } catch (err) {
      if (err instanceof UserError) throw new InvalidArgumentError(err.message)
      throw err
    }
  }
}

/** Checks --host as HOST:PORT (IPv6 in brackets), the form frida-server listens on. */
export function hostPort(value: string): string {
  if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(value) || Number(value.split(':').pop()) > 65535)
    throw new UserError(
      `--host must be HOST:PORT of a frida-server (e.g. 192.168.56.10:27042), got "${value}"`,
    )
  return value
}

export const hostOption = () =>
  new Option('--host <host:port>', 'a remote frida-server')
    .argParser(optionParser(hostPort))
    .default(null, 'this computer')

export const backendOption = () =>
  new Option('--backend <kind>', 'the Frida binding to use')
    .choices(['auto', 'node', 'python'])
    .default('auto')
