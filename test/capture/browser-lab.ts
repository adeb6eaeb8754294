import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { tempDir } from '../support/helpers'

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

/** A fresh Firefox profile that does not phone home (the certificate it must trust is added separately). */
export function firefoxProfile(dir = tempDir('mutescope-firefox-')): string {
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
  return dir
}

/** Starts a browser as an ordinary process (not under MuteScope), for attach tests. */
export function startBrowser(kind: BrowserKind, url: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const argv = browserArgv(kind, url, kind === 'firefox' ? firefoxProfile() : undefined)
  return spawn(argv[0], argv.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
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
