import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { tempDir } from '../support/helpers'
import type { Received } from './tls-lab'

/**
 * Real browsers posting Webex-like telemetry JSON to a local HTTPS server (tls-lab's startHttpsServer), so
 * capture, decoding and egress proof are tested on the TLS stacks that conferencing apps ship.
 */

export type BrowserKind = 'chromium' | 'firefox'

/** A page that POSTs `{"marker", "seq", "audioMeanGain"...}` to /telemetry every `everyMs`. */
export function posterPage(marker: string, everyMs = 1000): string {
  return `<!doctype html><meta charset="utf-8"><title>poster</title><script>
let seq = 0
setInterval(() => {
  seq++
  const body = JSON.stringify({ marker: ${JSON.stringify(marker)}, seq, audioMinGain: -60 - seq % 5, audioMeanGain: -40 - seq % 7, audioMaxGain: -20 - seq % 3 })
  fetch('/telemetry?seq=' + seq, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(() => {})
}, ${everyMs})
</script>`
}

/** The POSTs among `received` that carry `marker`, in order. */
export function postsWith(received: Received[], marker: string): Received[] {
  return received.filter((r) => r.method === 'POST' && r.body.toString().includes(marker))
}

/** The command line of a headless browser that opens `url` and keeps running. */
export function browserArgv(
  kind: BrowserKind,
  url: string,
  profileDir = tempDir(`mutescope-${kind}-`),
): string[] {
  if (kind === 'chromium')
    return [
      '/usr/bin/chromium',
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      '--ignore-certificate-errors',
      `--user-data-dir=${profileDir}`,
      url,
    ]
  return ['/usr/bin/firefox-esr', '--headless', '--no-remote', '--profile', profileDir, url]
}

/**
 * A fresh Firefox profile that does not phone home and, given `trust` (a PEM file), trusts that certificate:
 * Firefox ignores the system's CAs and has no --ignore-certificate-errors, so it goes into the profile's own
 * NSS database (certutil, from libnss3-tools).
 */
export function firefoxProfile(trust?: string, dir = tempDir('mutescope-firefox-')): string {
  const prefs = {
    'network.stricttransportsecurity.preloadlist': false,
    'security.enterprise_roots.enabled': false,
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.enabled': false,
    'app.update.enabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'extensions.update.enabled': false,
    'browser.aboutwelcome.enabled': false,
  }
  const lines = Object.entries(prefs).map(
    ([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`,
  )
  writeFileSync(`${dir}/user.js`, lines.join('\n') + '\n')
  if (trust)
    execFileSync('certutil', ['-A', '-d', `sql:${dir}`, '-n', 'mutescope', '-t', 'CT,,', '-i', trust])
  return dir
}

/** Starts a browser as an ordinary process (not under MuteScope), for attach tests. */
export function startBrowser(
  kind: BrowserKind,
  url: string,
  env: NodeJS.ProcessEnv = {},
  trust?: string,
): ChildProcess {
  const argv = browserArgv(kind, url, kind === 'firefox' ? firefoxProfile(trust) : undefined)
  // Nothing reads a browser's output: a pipe left unread fills and freezes the browser on its next log line.
  return spawn(argv[0], argv.slice(1), {
    stdio: 'ignore',
    env: { ...process.env, ...env },
    detached: true,
  })
}

/** Ends a browser and every process it started (it leads its own process group). */
export function killBrowser(p: ChildProcess): void {
  if (p.pid === undefined || p.exitCode !== null) return
  try {
    process.kill(-p.pid, 'SIGKILL')
  } catch {
    p.kill('SIGKILL')
  }
}

/** `root` and every process below it, parents first, read from /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = [root]
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []))
  return tree
}

/** Chromium's network service below `root`: the utility process that owns its sockets and TLS. */
export function networkServicePid(root: number): number | null {
  const isNetworkService = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('network.mojom.NetworkService')
    } catch {
      return false
    }
  }
  return processTree(root).find(isNetworkService) ?? null
}

/** Which of `pids` holds an established TCP connection to 127.0.0.1:`port`, i.e. does the browser's network I/O. */
export function processConnectedTo(pids: number[], port: number): number | null {
  const remote = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`
  const inodes = new Set<string>()
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f[2] === remote && f[3] === '01') inodes.add(f[9])
  }
  for (const pid of pids) {
    let fds: string[] = []
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
        if (socket && inodes.has(socket[1])) return pid
      } catch {
        // the descriptor closed meanwhile
      }
    }
  }
  return null
}

/** Ends `root` and every process below it (a browser that MuteScope spawned, so not our child). */
export function killProcessTree(root: number): void {
  for (const pid of processTree(root).reverse()) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}
