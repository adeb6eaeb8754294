import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { artifactsDir, launchChromium } from '../support/browser'
import { repoRoot, runCli, startServe, tempDir } from '../support/helpers'
import { browserArgv, killProcessTree, posterPage } from '../capture/browser-lab'
import { makeCert, startCapture, startHttpsServer } from '../capture/tls-lab'

// Real dumpcap, tshark and editcap (Debian's tshark and wireshark-common), real TLS clients spawned through
// pip's Frida, a real HTTPS server: on loopback, and inside a network namespace this test makes.

interface EgressJson {
  records: number
  proven: number
  streams: { server: string | null; peer: string; packets: number; bytes: number }[]
  unproven: { t: number; host: string | null; path: string | null; conn: string | null; reason: string }[]
}

const poster = join(repoRoot, 'test', 'egress', 'fixtures', 'json-poster.cjs')
let cert: ReturnType<typeof makeCert>
let server: Awaited<ReturnType<typeof startHttpsServer>>

beforeAll(async () => {
  cert = makeCert()
  server = await startHttpsServer(cert)
})
afterAll(() => server.close())

function egress(dataDir: string, id: number, ...more: string[]): EgressJson {
  const r = runCli(['egress', String(id), '--json', ...more], { dataDir, timeoutMs: 120_000 })
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as EgressJson
}

/** `capture --egress --spawn` of the JSON poster, to its end; the session id. */
async function captureNodePoster(
  dataDir: string,
  url: string,
  count: number,
  env: NodeJS.ProcessEnv = {},
): Promise<number> {
  const cmd = `${process.execPath} ${poster} ${url}/metric/v1 ${cert.cert} ${count} 100 localhost`
  const cap = startCapture(['--egress', '--profile', 'generic', '--spawn', cmd], dataDir, env)
  expect(await cap.exited, cap.stderr).toBe(0)
  expect(cap.stderr).toMatch(/session \d+ interrupted: target exited/)
  const proven = new RegExp(`egress: recorded .*; ${count} of ${count} telemetry records proven`)
  // The report says why a record was not proven.
  if (!proven.test(cap.stderr)) expect(egress(dataDir, cap.sessionId()).unproven, cap.stderr).toEqual([])
  expect(cap.stderr).toMatch(proven)
  return cap.sessionId()
}

function egressFolder(dataDir: string): string {
  const [name] = readdirSync(join(dataDir, 'egress'))
  return join(dataDir, 'egress', name)
}

/** Replaces the first occurrence of `from` by `to` (same length) in the stored capture that holds it. */
function tamper(dataDir: string, id: number, from: string, to: string): () => void {
  const store = SessionStore.open({ dir: dataDir })
  try {
    const rows = store.db
      .prepare(`SELECT id, data FROM captures WHERE session_id = ? AND dir = 'out' ORDER BY id`)
      .all(id) as { id: number; data: Buffer }[]
    const row = rows.find((r) => r.data.includes(from))!
    const at = row.data.indexOf(from)
    const changed = Buffer.concat([
      row.data.subarray(0, at),
      Buffer.from(to),
      row.data.subarray(at + from.length),
    ])
    store.db.prepare(`UPDATE captures SET data = ? WHERE id = ?`).run(changed, row.id)
    return () => {
      const s = SessionStore.open({ dir: dataDir })
      s.db.prepare(`UPDATE captures SET data = ? WHERE id = ?`).run(row.data, row.id)
      s.close()
    }
  } finally {
    store.close()
  }
}

describe('capture --egress: telemetry proven on the wire', () => {
  it('node client on loopback: every record proven, tampering is caught, the pcapng opens decrypted', async () => {
    const dataDir = tempDir()
    const id = await captureNodePoster(dataDir, server.url, 8)
    const report = egress(dataDir, id)
    expect(report.records).toBeGreaterThanOrEqual(5)
    expect(report).toMatchObject({ proven: report.records, unproven: [] })
    expect(report.streams).toEqual([
      {
        server: 'localhost',
        peer: `127.0.0.1:${server.port}`,
        packets: expect.any(Number),
        bytes: expect.any(Number),
      },
    ])

    // Egress files are private.
    const folder = egressFolder(dataDir)
    for (const f of readdirSync(folder)) expect(statSync(join(folder, f)).mode & 0o077).toBe(0)
    expect(readdirSync(folder)).not.toContain('raw.capture')

    // A byte of the stored plaintext outside the record's fields (the request line): not on the wire.
    const restoreLine = tamper(dataDir, id, '?seq=3 ', '?seq=X ')
    const lineTampered = egress(dataDir, id)
    expect(lineTampered.proven).toBe(report.records - 1)
    expect(lineTampered.unproven).toEqual([
      expect.objectContaining({
        reason: expect.stringMatching(/not found, byte for byte, in the decrypted data of localhost/),
      }),
    ])
    restoreLine()
    // A byte of a field's value: decoding the captures again no longer gives the stored record.
    const restoreField = tamper(dataDir, id, '"seq":4,', '"seq":7,')
    const fieldTampered = egress(dataDir, id)
    expect(fieldTampered.proven).toBe(report.records - 1)
    expect(fieldTampered.unproven[0].reason).toMatch(/captures were altered/)
    restoreField()

    // The pcapng carries its secrets: tshark alone shows the decrypted requests and their JSON.
    const out = join(dataDir, 'out.pcapng')
    expect(egress(dataDir, id, '--pcapng', out).proven).toBe(report.records)
    const show = (file: string) =>
      execFileSync(
        'tshark',
        ['-r', file, '-Y', 'http.request.method == "POST"', '-T', 'fields', '-e', 'http.file_data'],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      )
    const bodies = show(out).trim().split('\n')
    expect(bodies).toHaveLength(report.records)
    expect(bodies.every((b) => /audioMeanGain/.test(b))).toBe(true)
    expect(show(join(folder, 'packets.pcapng')).trim()).toBe('') // without the secrets: ciphertext only

    // Without the secrets nothing can be decrypted, and the report says so.
    for (const f of ['app.keylog', 'agent.keylog'])
      if (readdirSync(folder).includes(f)) renameSync(join(folder, f), join(dataDir, f))
    const noSecrets = egress(dataDir, id)
    expect(noSecrets.proven).toBe(0)
    expect(noSecrets.unproven).toHaveLength(report.records)
    expect(noSecrets.unproven.every((u) => /no TLS secrets for that connection/.test(u.reason))).toBe(true)

    // Deleting the session deletes its packets and secrets too.
    expect(runCli(['sessions', 'delete', String(id)], { dataDir }).status).toBe(0)
    expect(existsSync(folder)).toBe(false)
  }, 120_000)

  it('session review (web mode): the Egress panel shows the proof and saves the pcapng with its secrets', async () => {
    const dataDir = tempDir()
    const id = await captureNodePoster(dataDir, server.url, 5)
    const browser = await launchChromium()
    const serve = startServe(dataDir)
    try {
      const page = await browser.newPage()
      await page.goto(`${await serve.url}#/sessions/${id}`)
      const panel = page.getByRole('region', { name: 'Egress' })
      await panel.getByText('5 of 5', { exact: true }).waitFor({ timeout: 30_000 })
      await panel.getByRole('table', { name: 'Streams on the wire' }).getByText('localhost').waitFor()
      await page.screenshot({ path: join(artifactsDir, 'egress-panel.png'), fullPage: true })
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        panel.getByRole('button', { name: 'Save pcapng with TLS secrets' }).click(),
      ])
      const file = join(dataDir, download.suggestedFilename())
      await download.saveAs(file)
      const posts = execFileSync('tshark', ['-r', file, '-Y', 'http.request.method == "POST"'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      expect(posts.trim().split('\n')).toHaveLength(5)
    } finally {
      await serve.stop()
      await browser.close()
    }
  }, 120_000)

  it('MuteScope killed mid-capture: the recorder stops with it, and the next proof settles the recording', async () => {
    const dataDir = tempDir()
    const cmd = `${process.execPath} ${poster} ${server.url}/metric/v1 ${cert.cert} 200 100 localhost`
    const cap = startCapture(['--egress', '--profile', 'generic', '--spawn', cmd], dataDir)
    await cap.ready()
    const target = Number(/capturing from \d+ process\(es\): (\d+)/.exec(cap.stderr)![1])
    try {
      while (cap.lines().filter((l) => 'fields' in l).length < 5) await new Promise((r) => setTimeout(r, 100))
      await new Promise((r) => setTimeout(r, 500)) // the session writer's next batch
      cap.child.kill('SIGKILL')
      await cap.exited
    } finally {
      process.kill(target, 'SIGKILL')
    }
    const folder = egressFolder(dataDir)
    // dumpcap got SIGINT when its parent died: it writes its file out and ends.
    const recording = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(folder)
    for (const deadline = Date.now() + 10_000; recording() && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 100))
    expect(recording()).toBe(false)
    expect(readdirSync(folder)).toContain('raw.capture')
    const store = SessionStore.open({ dir: dataDir })
    const id = store.listSessions()[0].id
    const times = store.telemetry(id).map((r) => r.t)
    store.close()
    const report = egress(dataDir, id)
    expect(report.records).toBeGreaterThanOrEqual(5)
    expect(report.proven).toBeGreaterThanOrEqual(3)
    // Requests written as MuteScope died may have left after the recorder stopped: only those, the last ones
    // (how many depends on the machine's load), are unproven, and for that reason.
    expect(report.unproven.map((u) => u.t)).toEqual(times.slice(report.proven))
    for (const u of report.unproven) expect(u.reason).toMatch(/stopped before it was sent/)
    expect(readdirSync(folder)).not.toContain('raw.capture')
  }, 120_000)

  it('server in a network namespace: the packets cross a veth pair and are proven', async () => {
    const tag = (process.pid % 200) + 20
    const ns = `mutescope-egress-${process.pid}`
    const [hostIf, nsIf] = [`msh${process.pid % 100000}`, `msn${process.pid % 100000}`]
    const [hostIp, nsIp] = [`10.213.${tag}.1`, `10.213.${tag}.2`]
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' })
    ip('netns', 'add', ns)
    try {
      ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf)
      ip('link', 'set', nsIf, 'netns', ns)
      ip('addr', 'add', `${hostIp}/30`, 'dev', hostIf)
      ip('link', 'set', hostIf, 'up')
      ip('-n', ns, 'addr', 'add', `${nsIp}/30`, 'dev', nsIf)
      ip('-n', ns, 'link', 'set', nsIf, 'up')
      ip('-n', ns, 'link', 'set', 'lo', 'up')
      const fixture = join(repoRoot, 'test', 'egress', 'fixtures', 'netns-server.ts')
      const srv = spawn(
        'ip',
        ['netns', 'exec', ns, process.execPath, '--import', 'tsx', fixture, cert.cert, cert.key, nsIp],
        {
          cwd: repoRoot,
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      )
      const lines = createInterface({ input: srv.stdout! })[Symbol.asyncIterator]()
      try {
        const port = Number((await lines.next()).value)
        expect(port).toBeGreaterThan(0)
        const dataDir = tempDir()
        const id = await captureNodePoster(dataDir, `https://${nsIp}:${port}`, 6)
        const report = egress(dataDir, id)
        expect(report).toMatchObject({ records: 6, proven: 6, unproven: [] })
        expect(report.streams).toMatchObject([{ server: 'localhost', peer: `${nsIp}:${port}` }])
        srv.stdin!.end()
        const got = JSON.parse((await lines.next()).value as string) as { body: string }[]
        expect(got.filter((r) => r.body.includes('audioMeanGain'))).toHaveLength(6)
      } finally {
        srv.kill('SIGKILL')
      }
    } finally {
      // Deleting one end of the veth pair deletes the pair (the namespace's deletion would, but later).
      if (execFileSync('ip', ['link'], { encoding: 'utf8' }).includes(hostIf)) ip('link', 'delete', hostIf)
      ip('netns', 'delete', ns)
    }
    expect(execFileSync('ip', ['link'], { encoding: 'utf8' })).not.toContain(hostIf)
  }, 120_000)

  it('Chromium spawned with --egress: every POST it sent is proven, by its key log or by the agent alone', async () => {
    const marker = `egress-${process.pid}`
    const page = await startHttpsServer(cert, { '/poster.html': posterPage(marker, 500) })
    const dataDir = tempDir()
    // As a user starts it: Debian's launcher script, the whole process tree followed (the network service,
    // where the sockets are, is a process of its own; Chromium's TLS is its static BoringSSL, found by pattern).
    const cap = startCapture(
      [
        '--egress',
        '--profile',
        'generic',
        '--duration',
        '20',
        '--spawn',
        browserArgv('chromium', `${page.url}/poster.html`).join(' '),
      ],
      dataDir,
    )
    try {
      expect(await cap.exited, cap.stderr).toBe(0)
    } finally {
      const root = /capturing from \d+ process\(es\): (\d+)/.exec(cap.stderr)
      if (root) killProcessTree(Number(root[1]))
      await page.close()
    }
    expect(cap.stderr).toMatch(/is Chromium's zygote: not attached/) // the tree was followed
    const report = egress(dataDir, cap.sessionId())
    expect(report.records).toBeGreaterThanOrEqual(5)
    expect(report).toMatchObject({ proven: report.records, unproven: [] })
    expect(report.streams.some((s) => s.peer === `127.0.0.1:${page.port}`)).toBe(true)
    // Without Chromium's key log, the secrets the agent read from BoringSSL (ssl_log_secret) prove the records
    // of the connections it saw opened (how many depends on when the network service was hooked: a connection
    // opened before is reused); the others are named as lacking secrets, never miscounted.
    const folder = egressFolder(dataDir)
    renameSync(join(folder, 'app.keylog'), join(dataDir, 'app.keylog'))
    const agentOnly = egress(dataDir, cap.sessionId())
    expect(agentOnly.proven + agentOnly.unproven.length).toBe(report.records)
    for (const u of agentOnly.unproven) expect(u.reason).toMatch(/no TLS secrets for that connection/)
  }, 180_000)

  it('tcpdump records when there is no dumpcap: the same proof', async () => {
    const bin = tempDir()
    for (const tool of ['tcpdump', 'tshark']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool))
    const dataDir = tempDir()
    const id = await captureNodePoster(dataDir, server.url, 5, { PATH: bin, MUTESCOPE_PYTHON: python() })
    expect(egress(dataDir, id)).toMatchObject({ records: 5, proven: 5, unproven: [] })
  }, 120_000)

  it('without tshark on PATH: says which package to install, captures anyway, and the session says egress unavailable', async () => {
    const bin = tempDir()
    symlinkSync('/usr/bin/dumpcap', join(bin, 'dumpcap'))
    const { dataDir, id, stderr } = await captureWithout(bin)
    expect(stderr).toMatch(
      /no egress proof, the capture goes on without it: .*tshark.*apt-get install tshark/,
    )
    const report = egress(dataDir, id)
    expect(report).toMatchObject({ records: 5, proven: 0, streams: [] })
    expect(report.unproven.every((u) => /egress was not recorded: .*tshark/.test(u.reason))).toBe(true)
    const pcap = runCli(['egress', String(id), '--pcapng', join(dataDir, 'x.pcapng')], { dataDir })
    expect(pcap.status).toBe(1)
    expect(pcap.stderr).toMatch(/no recorded packets \(egress unavailable/)
  }, 120_000)

  it('dumpcap without the permission to capture: names the capabilities to grant, captures anyway', async () => {
    // Debian's dumpcap, run as nobody without capabilities.
    const bin = tempDir()
    writeFileSync(
      join(bin, 'dumpcap'),
      '#!/bin/sh\nexec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all ' +
        '--bounding-set=-all /usr/bin/dumpcap "$@"\n',
      { mode: 0o755 },
    )
    symlinkSync('/usr/bin/tshark', join(bin, 'tshark'))
    const { dataDir, id, stderr } = await captureWithout(bin)
    expect(stderr).toMatch(
      /no egress proof, the capture goes on without it: dumpcap may not capture packets \(dumpcap: You do not have permission to capture on device "any"\..*\): .*setcap cap_net_raw,cap_net_admin\+eip/,
    )
    expect(egress(dataDir, id).unproven[0].reason).toMatch(/egress was not recorded: dumpcap may not capture/)
  }, 120_000)
})

/** `capture --egress` of 5 posts with PATH = `bin` only; the captures and records must be stored all the same. */
async function captureWithout(bin: string) {
  const dataDir = tempDir()
  const cmd = `${process.execPath} ${poster} ${server.url}/metric/v1 ${cert.cert} 5 50 localhost`
  const cap = startCapture(['--egress', '--profile', 'generic', '--spawn', cmd], dataDir, {
    PATH: bin,
    MUTESCOPE_PYTHON: python(),
  })
  expect(await cap.exited, cap.stderr).toBe(0)
  expect(cap.stderr).toMatch(/egress: unavailable/)
  const id = cap.sessionId()
  const store = SessionStore.open({ dir: dataDir })
  try {
    expect(store.count('captures', id)).toBeGreaterThan(0)
    expect(store.telemetry(id)).toHaveLength(5)
  } finally {
    store.close()
  }
  return { dataDir, id, stderr: cap.stderr }
}

/** The python with pip's frida, by its real path (a pyenv shim needs bash on PATH). */
function python(): string {
  return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim()
}
