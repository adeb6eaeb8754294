import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { repoRoot, tempDir } from '../support/helpers'
import { curlArgs, outbound, startCapture, startProcess } from './tls-lab'
import { httpsLab } from './https-lab'

// Real TLS clients that no one here wrote, posting to a local HTTPS server, hooked through pip's frida.
const lab = httpsLab()

function nodeClient(prefix: string): ChildProcess {
  const script = join(repoRoot, 'test', 'capture', 'fixtures', 'https-client.cjs')
  const p = startProcess(process.execPath, [
    script,
    `${lab.server.url}/${prefix}`,
    lab.cert.cert,
    prefix,
    '150',
  ])
  lab.started.push(p)
  return p
}

/** Requests the server got from `from` on, i.e. surely written after the hooks were in (one in flight is skipped). */
async function requestsAfterAttach(count: number) {
  const from = lab.server.received.length + 1
  await lab.server.waitFor(from + count)
  return lab.server.received.slice(from, from + count)
}

describe('capture attaches to running TLS clients and gets their exact plaintext', () => {
  it('node https client (OpenSSL inside the node binary)', async () => {
    const client = nodeClient('node')
    await lab.server.waitFor(lab.server.received.length + 1)
    const dataDir = tempDir()
    const cap = startCapture(['--pid', String(client.pid)], dataDir)
    await cap.attached()
    const sent = await requestsAfterAttach(3)
    expect(await cap.stop()).toBe(0)

    const captures = cap.captures()
    const out = outbound(captures, /^SSL_write/)
    for (const r of sent) {
      expect(r.url).toBe('/node')
      expect(out).toContain(`POST /node HTTP/1.1\r\n`)
      expect(out).toContain(`\r\n\r\n${r.body.toString()}`)
    }
    // Node's TLS writes through a memory BIO: the connection of each request comes from the socket hooks.
    for (const r of sent) {
      const carrier = captures.find((c) =>
        Buffer.from(c.data, 'base64').toString().includes(r.body.toString()),
      )
      expect(carrier).toMatchObject({ fn: 'SSL_write', module: 'node', peer: `127.0.0.1:${lab.server.port}` })
      expect(carrier!.conn).toMatch(
        new RegExp(`^tcp:127\\.0\\.0\\.1:\\d+>127\\.0\\.0\\.1:${lab.server.port}$`),
      )
    }
    const inbound = captures
      .filter((c) => c.dir === 'in')
      .map((c) => Buffer.from(c.data, 'base64').toString())
    expect(inbound.join('')).toContain('ack /node')

    const store = SessionStore.open({ dir: dataDir })
    try {
      const id = cap.sessionId()
      expect(store.getSession(id)).toMatchObject({
        status: 'completed',
        statusReason: 'stopped',
        targetApp: 'node',
      })
      expect(store.captures(id).length).toBe(captures.length)
      expect(store.events(id).some((e) => e.kind === 'hooks')).toBe(true)
    } finally {
      store.close()
    }
  })

  it('curl (libssl.so.3), with --raw writing the same lines', async () => {
    const urls = Array.from({ length: 100 }, (_, i) => `${lab.server.url}/curl/${i}`)
    const curl = startProcess('curl', curlArgs(lab.cert.cert, 'curl-body=42', urls))
    lab.started.push(curl)
    await lab.server.waitFor(lab.server.received.length + 1)
    const dataDir = tempDir()
    const raw = join(dataDir, 'raw.jsonl')
    const cap = startCapture(['--pid', String(curl.pid), '--raw', raw], dataDir)
    await cap.attached()
    const sent = await requestsAfterAttach(2)
    expect(await cap.stop()).toBe(0)

    const captures = cap.captures()
    const out = outbound(captures, /^SSL_write/)
    for (const r of sent) expect(out).toContain(`POST ${r.url} HTTP/1.1\r\n`)
    expect(out).toContain('\r\n\r\ncurl-body=42')
    const writes = captures.filter((c) => c.fn.startsWith('SSL_write'))
    expect(writes.every((c) => c.module === 'libssl.so.3' && c.peer === `127.0.0.1:${lab.server.port}`)).toBe(
      true,
    )
    expect(
      readFileSync(raw, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(captures)
  })

  it('wget (GnuTLS)', async () => {
    const urls = Array.from({ length: 100 }, (_, i) => `${lab.server.url}/wget/${i}`)
    const wget = startProcess('wget', [
      '-q',
      '-O',
      '/dev/null',
      `--ca-certificate=${lab.cert.cert}`,
      '--wait=0.2',
      '--post-data=wget-body=7',
      ...urls,
    ])
    lab.started.push(wget)
    await lab.server.waitFor(lab.server.received.length + 1)
    const cap = startCapture(['--name', 'wget'], tempDir())
    await cap.attached()
    const sent = await requestsAfterAttach(2)
    expect(await cap.stop()).toBe(0)

    const captures = cap.captures()
    const out = outbound(captures, /^gnutls_record_send$/)
    for (const r of sent) expect(out).toContain(`POST ${r.url} HTTP/1.1\r\n`)
    expect(out).toContain('\r\n\r\nwget-body=7')
    expect(captures.filter((c) => c.dir === 'out').every((c) => /^libgnutls\.so\.30/.test(c.module))).toBe(
      true,
    )
    expect(captures.some((c) => c.peer === `127.0.0.1:${lab.server.port}`)).toBe(true)
  })
})

describe('capture --spawn', () => {
  it('catches the very first request of a spawned program', async () => {
    const before = lab.server.received.length
    const dataDir = tempDir()
    const cap = startCapture(
      [
        '--spawn',
        `curl --http1.1 -s -o /dev/null --cacert '${lab.cert.cert}' -d first-body=1 ${lab.server.url}/first`,
      ],
      dataDir,
    )
    expect(await cap.exited).toBe(0)
    // (a request of an earlier test's killed client may still arrive meanwhile)
    expect(lab.server.received.slice(before).filter((r) => r.url === '/first')).toHaveLength(1)
    const out = outbound(cap.captures())
    expect(out.startsWith('POST /first HTTP/1.1\r\n')).toBe(true)
    expect(out).toContain('\r\n\r\nfirst-body=1')
    expect(cap.stderr).toMatch(/session \d+ interrupted: target exited/)
  })

  it('applies the agent config: hook groups, content filter, per-call cap', async () => {
    const curl = (body: string) =>
      `curl --http1.1 -s -o /dev/null --cacert '${lab.cert.cert}' -d ${body} ${lab.server.url}/filtered`
    const kept = startCapture(
      ['--hooks', 'openssl', '--contains', 'needle-7', '--spawn', curl('needle-7')],
      tempDir(),
    )
    expect(await kept.exited).toBe(0)
    expect(kept.stderr).toContain('hooked SSL_write@libssl.so.3')
    expect(kept.stderr).not.toContain('gnutls_record_send@')
    expect(kept.stderr).not.toContain('write@libc')
    // Only the request carries the needle; the response is filtered out inside the agent.
    expect(kept.captures().map((c) => [c.fn, c.dir])).toEqual([['SSL_write', 'out']])

    const capped = startCapture(
      ['--cap', '16', '--peer', `:${lab.server.port}`, '--spawn', curl('x=1')],
      tempDir(),
    )
    expect(await capped.exited).toBe(0)
    const captures = capped.captures()
    expect(captures.length).toBeGreaterThan(0)
    expect(captures.every((c) => Buffer.from(c.data, 'base64').length <= 16)).toBe(true)
    expect(outbound(captures)).toBe('POST /filtered H')
    expect(capped.stderr).toMatch(/SSL_write carried \d+ bytes; kept the first 16 \(the cap\)/)

    const elsewhere = startCapture(['--peer', '10.9.8.7:', '--spawn', curl('x=1')], tempDir())
    expect(await elsewhere.exited).toBe(0)
    expect(elsewhere.captures()).toEqual([])
  })

  it('prints and stores the telemetry records decoded from the captures', async () => {
    const dataDir = tempDir()
    const body = '{"audio":{"minGain":-42.5,"maxGain":-3}}'
    const cap = startCapture(
      [
        '--profile',
        'generic',
        '--spawn',
        `curl --http1.1 -s -o /dev/null --cacert '${lab.cert.cert}' -H 'content-type: application/json' -d '${body}' ${lab.server.url}/metric/v1`,
      ],
      dataDir,
    )
    expect(await cap.exited).toBe(0)
    const lines = cap.lines()
    const record = lines.findIndex((l) => 'fields' in l)
    expect(lines[record]).toMatchObject({
      host: `127.0.0.1:${lab.server.port}`,
      path: '/metric/v1',
      fields: { 'audio.minGain': -42.5, 'audio.maxGain': -3 },
    })
    expect(lines.findIndex((l) => 'fn' in l)).toBeLessThan(record)
    const store = SessionStore.open({ dir: dataDir })
    try {
      expect(store.telemetry(cap.sessionId())).toMatchObject([{ fields: { 'audio.minGain': -42.5 } }])
    } finally {
      store.close()
    }
  })
})

describe('target killed mid-capture', () => {
  it('ends the session as "target exited" and keeps everything captured before', async () => {
    const client = nodeClient('doomed')
    await lab.server.waitFor(lab.server.received.length + 1)
    const dataDir = tempDir()
    const cap = startCapture(['--pid', String(client.pid)], dataDir)
    await cap.attached()
    const sent = await requestsAfterAttach(3)
    // What the agent had not yet handed over dies with the process: kill once the host holds the last one.
    await cap.holds(`\r\n\r\n${sent[2].body.toString()}`)
    client.kill('SIGKILL')
    expect(await cap.exited).toBe(0)

    const captures = cap.captures()
    const store = SessionStore.open({ dir: dataDir })
    try {
      const id = cap.sessionId()
      expect(store.getSession(id)).toMatchObject({ status: 'interrupted', statusReason: 'target exited' })
      const stored = store.captures(id)
      expect(stored.length).toBe(captures.length)
      const text = stored
        .filter((c) => c.dir === 'out')
        .map((c) => Buffer.from(c.data).toString('latin1'))
        .join('')
      for (const r of sent) expect(text).toContain(`\r\n\r\n${r.body.toString()}`)
      expect(store.events(id).find((e) => e.kind === 'detach')?.detail).toMatchObject({
        reason: 'process-terminated',
      })
    } finally {
      store.close()
    }
  })
})
