import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { cliPath, repoRoot, runCli, tempDir } from '../support/helpers'

const episode = join(repoRoot, 'resources', 'demo', 'demo-episode.opus')

beforeAll(() => {
  const r = spawnSync('bash', [join(repoRoot, 'scripts', 'pulseaudio.sh')], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`PulseAudio did not start: ${r.stderr}`)
})

function lastJson(stdout: string): { sessionId: number; status: string; telemetry: number; windows: number } {
  const lines = stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1])
}

function session(dataDir: string, id: number) {
  const store = SessionStore.open({ dir: dataDir })
  try {
    return { session: store.getSession(id), events: store.events(id), captures: store.count('captures', id) }
  } finally {
    store.close()
  }
}

describe('mutescope run: faults end the session with a clear status and keep what it has', () => {
  it('an unreadable episode fails the run before anything plays', () => {
    const dataDir = tempDir()
    const bad = join(tempDir(), 'episode.mp3')
    writeFileSync(bad, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)))
    const r = runCli(['run', '--target', 'refvca', '--episode', bad, '--interval', '2', '--json'], {
      dataDir,
    })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/episode\.mp3/)
    const end = lastJson(r.stdout)
    expect(end).toMatchObject({ status: 'failed', telemetry: 0, windows: 0 })
    const s = session(dataDir, end.sessionId).session
    expect(s.statusReason).toMatch(/episode\.mp3/)
  })

  it('no virtual microphone: says how to get one', () => {
    const dataDir = tempDir()
    const r = runCli(['run', '--target', 'refvca', '--episode', episode, '--interval', '2', '--json'], {
      dataDir,
      env: { PULSE_SERVER: 'unix:/nonexistent/pulse', PULSE_RUNTIME_PATH: '/nonexistent' },
    })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/PulseAudio|PipeWire/)
    expect(lastJson(r.stdout)).toMatchObject({ status: 'failed' })
  })

  it('the target killed mid-run: the session ends "interrupted" (target exited) with its data', async () => {
    const dataDir = tempDir()
    const child = spawn(
      process.execPath,
      [
        cliPath,
        'run',
        '--target',
        'refvca',
        '--episode',
        episode,
        '--interval',
        '2',
        '--duration',
        '60',
        '--json',
      ],
      { env: { ...process.env, MUTESCOPE_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    // Wait for two telemetry records, then kill refvca as a crash would.
    const refvcaPid = await new Promise<number>((resolve, reject) => {
      let pid = 0
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString()
        pid ||= Number(/started refvca \(pid (\d+)\)/.exec(stderr)?.[1] ?? 0)
        if (pid && (stderr.match(/^telemetry /gm) ?? []).length >= 2) resolve(pid)
      })
      void exited.then(() => reject(new Error(`run ended early: ${stderr}`)))
      setTimeout(() => reject(new Error(`no telemetry after 40 s: ${stderr}`)), 40_000)
    })
    process.kill(refvcaPid, 'SIGKILL')
    expect(await exited).toBe(1)
    const end = lastJson(stdout)
    expect(end.status).toBe('interrupted')
    expect(end.telemetry).toBeGreaterThanOrEqual(2)
    const s = session(dataDir, end.sessionId)
    expect(s.session.statusReason).toBe('target exited')
    expect(s.captures).toBeGreaterThan(0)
    expect(s.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['attach', 'playback-start', 'detach']),
    )
  })

  it('garbage through the decoder is reported and skipped; the run still completes', () => {
    const dataDir = tempDir()
    // A real TLS client that posts bytes no profile can read, twice a second.
    const script = [
      "const https = require('node:https')",
      "const tls = require('node:tls')",
      'const srv = tls.createServer({ key: process.env.KEY, cert: process.env.CERT }, (s) => s.resume())',
      'srv.listen(0, "127.0.0.1", () => {',
      '  const sock = tls.connect({ port: srv.address().port, host: "127.0.0.1", rejectUnauthorized: false })',
      '  setInterval(() => sock.write("POST /metric/v1 HTTP/1.1\\r\\nContent-Length: 12\\r\\n\\r\\n\\x00\\xff{[garbage]"), 500)',
      '})',
      'void https',
    ].join('\n')
    const certDir = tempDir()
    const keyFile = join(certDir, 'key.pem')
    const certFile = join(certDir, 'cert.pem')
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-days',
      '1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ])
    expect(made.status).toBe(0)
    const key = readFileSync(keyFile, 'utf8')
    const cert = readFileSync(certFile, 'utf8')
    const file = join(tempDir(), 'garbage-client.js')
    writeFileSync(file, script)
    const target = spawn(process.execPath, [file], {
      env: { ...process.env, KEY: key, CERT: cert },
      stdio: 'ignore',
    })
    try {
      const r = runCli(
        [
          'run',
          '--target',
          String(target.pid),
          '--episode',
          episode,
          '--interval',
          '2',
          '--duration',
          '5',
          '--json',
        ],
        { dataDir, timeoutMs: 60_000 },
      )
      expect(r.stderr).toMatch(/decoder skipped malformed data/)
      const end = lastJson(r.stdout)
      expect(end).toMatchObject({ status: 'completed', telemetry: 0 })
      expect(end.windows).toBeGreaterThanOrEqual(2)
      expect(r.status).toBe(0)
    } finally {
      target.kill()
    }
  })
})
