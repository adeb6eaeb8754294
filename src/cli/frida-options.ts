import { InvalidArgumentError, Option } from 'commander'
import { UserError } from '../core/errors'
import { backendChoice } from '../shared/contract/capture'
import { deviceToken, hostPort as hostPortAddress } from '../shared/contract/devices'

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
  new Option('--backend <kind>', 'the Frida binding to use').choices(backendChoice.options).default('auto')

/** Parses a HOST:PORT flag (--portal, --cluster, --control), naming the flag when it is not one. */
export function addressFlag(flag: string) {
  return optionParser((value: string) => {
    const r = hostPortAddress.safeParse(value)
    if (!r.success) throw new UserError(`${flag} must be HOST:PORT (e.g. 10.0.0.1:27052), got "${value}"`)
    return r.data
  })
}

/** Parses --token: what a portal or frida-server requires, 1 to 512 characters. */
export const tokenFlag = optionParser((value: string) => {
  if (!deviceToken.safeParse(value).success)
    throw new UserError(`--token must be 1 to 512 characters, got ${value.length}`)
  return value
})
