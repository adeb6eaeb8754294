import {
  appendFileSync,
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { z } from 'zod'

/**
 * TLS secrets in the NSS key log format, gathered two ways: the spawned target writes them itself
 * (SSLKEYLOGFILE, Chromium's --ssl-key-log-file, node's --tls-keylog) to `app.keylog`, and the agent reports
 * them from inside the TLS library to `agent.keylog`. tshark and editcap read the union.
 */

export const appKeylog = 'app.keylog'
export const agentKeylog = 'agent.keylog'

/** Secrets files larger than this are not read (a key log line is ~200 bytes: this is millions of handshakes). */
const maxKeylogBytes = 256 * 1024 ** 2

/** One key log line: a label, the ClientHello random (32 bytes) and a secret (48 bytes up to SHA-384's). */
export const keylogLine = z
  .string()
  .max(400)
  .regex(
    /^(CLIENT_RANDOM|CLIENT_EARLY_TRAFFIC_SECRET|CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EARLY_EXPORTER_SECRET|EXPORTER_SECRET) [0-9a-fA-F]{64} [0-9a-fA-F]{32,128}$/,
  )

/** Creates a private, empty secrets file, so that whoever appends to it later keeps it 0600. */
export function createPrivateFile(file: string): void {
  closeSync(openSync(file, 'a', 0o600))
}

/** Appends one agent-reported line; false when it is not a key log line (it is dropped). */
export function appendAgentSecret(folder: string, line: string): boolean {
  const parsed = keylogLine.safeParse(line.trim())
  if (!parsed.success) return false
  appendFileSync(join(folder, agentKeylog), parsed.data + '\n', { mode: 0o600 })
  return true
}

/** Every valid secret line of the folder's key logs, each once; malformed lines are skipped. */
export function readSecrets(folder: string): string[] {
  const lines = new Set<string>()
  for (const name of [appKeylog, agentKeylog]) {
    const file = join(folder, name)
    if (!existsSync(file) || statSync(file).size > maxKeylogBytes) continue
    for (const l of readFileSync(file, 'utf8').split('\n'))
      if (keylogLine.safeParse(l.trim()).success) lines.add(l.trim())
  }
  return [...lines]
}

/** True for Chromium, Chrome and Electron apps: their binary, or the resources Chromium ships beside it. */
export function isChromiumLike(program: string): boolean {
  if (/chrom|electron|msedge|brave|opera|vivaldi/i.test(basename(program))) return true
  try {
    const beside = readdirSync(dirname(realpathSync(program)))
    return beside.includes('v8_context_snapshot.bin') || beside.includes('chrome_100_percent.pak')
  } catch {
    return false
  }
}

/**
 * The spawn target that writes its TLS secrets to `keylog`: SSLKEYLOGFILE (Chromium, Firefox/NSS, curl and
 * OpenSSL builds that honour it, GnuTLS), node's --tls-keylog through NODE_OPTIONS, and Chromium's own switch.
 */
export function withKeylog<T extends { spawn: string[]; env?: Record<string, string> }>(
  target: T,
  keylog: string,
): T {
  const keylogOption = `--tls-keylog=${/[\s"\\]/.test(keylog) ? JSON.stringify(keylog) : keylog}`
  const nodeOptions = [target.env?.NODE_OPTIONS ?? process.env.NODE_OPTIONS, keylogOption]
  // The program, or the launcher script an interpreter runs (Debian's /usr/bin/chromium): its switches follow it.
  const at = target.spawn.slice(0, 2).findIndex((p) => isChromiumLike(p))
  const spawn = [...target.spawn]
  if (at >= 0) spawn.splice(at + 1, 0, `--ssl-key-log-file=${keylog}`)
  return {
    ...target,
    spawn,
    env: {
      ...target.env,
      SSLKEYLOGFILE: keylog,
      NODE_OPTIONS: nodeOptions.filter((o) => o && o.trim()).join(' '),
    },
  }
}
