import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

/** Shared TLS libraries by file name, for the target picker's "which TLS each process has" before attaching. */
const libraries: [RegExp, string][] = [
  [/^libssl\.so/, 'openssl'],
  [/^libboringssl/, 'boringssl'],
  [/^libgnutls\.so/, 'gnutls'],
  [/^libssl3\.so/, 'nss'],
  [/^libmbedtls\.so/, 'mbedtls'],
  [/^libwolfssl\.so/, 'wolfssl'],
]

/** Bounded: a process's maps file is rarely over a few hundred KiB; a huge one is cut, not read whole. */
const maxMapsBytes = 4 * 1024 * 1024

/**
 * The TLS libraries a local Linux process has mapped ("openssl (libssl.so.3)"), or null where that cannot be
 * read (another OS, a remote device, a process gone or not ours). A library linked statically into the
 * program does not show here; the agent finds those at attach.
 */
export function mappedTlsLibraries(pid: number): string[] | null {
  if (process.platform !== 'linux') return null
  let maps: string
  try {
    maps = readFileSync(`/proc/${pid}/maps`, 'latin1').slice(0, maxMapsBytes)
  } catch {
    return null
  }
  const found = new Set<string>()
  for (const line of maps.split('\n')) {
    const path = line.slice(line.indexOf('/'))
    if (!line.includes('/')) continue
    const file = basename(path)
    for (const [re, name] of libraries) if (re.test(file)) found.add(`${name} (${file})`)
  }
  return [...found].sort()
}
