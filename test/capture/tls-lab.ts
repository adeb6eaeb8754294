import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { CaptureLine } from '../../src/shared/model'
import { cliPath, tempDir } from '../support/helpers'

/** A self-signed certificate for 127.0.0.1/localhost, made by openssl for this test run. */
export function makeCert(dir = tempDir('mutescope-cert-')): { cert: string; key: string; dir: string } {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      // Not a CA: Firefox refuses a CA certificate as a server's own (MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY).
      '-addext',
      'basicConstraints=critical,CA:FALSE',
    ],
    { stdio: 'ignore' },
  )
  return { cert, key, dir }
}

export interface Received {
  method: string
  url: string
  body: Buffer
}

/** A local HTTPS server that answers "ack <url>" (or serves `pages` as HTML) and keeps every request it got. */
export async function startHttpsServer(
  cert: { cert: string; key: string },
  pages: Record<string, string> = {},
  /** The address to listen on (e.g. one inside a network namespace the test made). */
  host = '127.0.0.1',
) {
  const received: Received[] = []
  const waiters: (() => void)[] = []
  const server: Server = createServer(
    { cert: readFileSync(cert.cert), key: readFileSync(cert.key) },
    (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const page = req.method === 'GET' ? pages[req.url ?? ''] : undefined
        if (page !== undefined) {
          res.setHeader('content-type', 'text/html; charset=utf-8')
          res.end(page)
          return
        }
        received.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks) })
        res.end(`ack ${req.url}`)
        for (const w of waiters.splice(0)) w()
      })
    },
  )
  // Clients under test keep their connections: a hooked process paused by a loaded machine must not find its
  // connection closed for idleness (node's default is 5 s).
  server.keepAliveTimeout = 120_000
  await new Promise<void>((r) => server.listen(0, host, r))
  const port = (server.address() as AddressInfo).port
  return {
    server,
    port,
    url: `https://${host}:${port}`,
    received,
    /** Pages served by path; more can be added while the server runs. */
    pages,
    /** Resolves once `n` requests in all have arrived. */
    async waitFor(n: number, timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`server got ${received.length} of ${n} requests`)
        await new Promise<void>((r) => {
          waiters.push(r)
          setTimeout(r, 200)
        })
      }
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

/** A `mutescope capture` run in the background; stop() sends SIGINT like Ctrl-C. */
export function startCapture(args: string[], dataDir: string, env: NodeJS.ProcessEnv = {}) {
  const child: ChildProcess = spawn(process.execPath, [cliPath, 'capture', '--json', ...args], {
    env: { ...process.env, MUTESCOPE_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  const until = async (pred: () => boolean, what: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs
    while (!pred()) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${what}; stderr: ${stderr}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return {
    child,
    exited,
    get stderr() {
      return stderr
    },
    /** Resolves once the agent is attached and hooked (so what the target does next is captured). */
    attached: () => until(() => /hooked /.test(stderr), 'attach'),
    /** Resolves once every process of the target is attached and hooked. */
    ready: () => until(() => /capturing from \d+ process/.test(stderr), 'attach to all processes'),
    async stop(): Promise<number | null> {
      child.kill('SIGINT')
      return exited
    },
    /** Resolves once the captured outbound plaintext holds `text` (the host has it, whatever the target does next). */
    holds: (text: string) =>
      until(() => outbound(captureLines(stdout)).includes(text), `capture of ${JSON.stringify(text)}`),
    /** Every JSON line printed: captures and telemetry records. */
    lines(): Record<string, unknown>[] {
      return jsonLines(stdout)
    },
    captures(): CaptureLine[] {
      return captureLines(stdout)
    },
    sessionId(): number {
      const m = /session (\d+) /.exec(stderr)
      if (!m) throw new Error(`no session line in: ${stderr}`)
      return Number(m[1])
    },
  }
}

/** The complete JSON lines of `stdout` (a line still being written is left for the next read). */
function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .slice(0, stdout.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

function captureLines(stdout: string): CaptureLine[] {
  return jsonLines(stdout).filter((l) => 'fn' in l) as unknown as CaptureLine[]
}

/** All outbound plaintext of the captures, in order, as one string (latin1 keeps bytes 1:1). */
export function outbound(captures: CaptureLine[], fn?: RegExp): string {
  return captures
    .filter((c) => c.dir === 'out' && (!fn || fn.test(c.fn)))
    .map((c) => Buffer.from(c.data, 'base64').toString('latin1'))
    .join('')
}

export function startProcess(cmd: string, args: string[]): ChildProcess {
  return spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
}

/** curl posting `body` to each url at 5 requests/s: a client that lives long enough to attach to. */
export function curlArgs(cert: string, body: string, urls: string[]): string[] {
  return ['--http1.1', '-s', '-o', '/dev/null', '--cacert', cert, '--rate', '5/s', '-d', body, ...urls]
}
