import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findOnPath } from '../../src/core/capture/spawn-argv'
import { makeCert, startCapture } from '../capture/tls-lab'
import { runCli, tempDir } from '../support/helpers'
import { freePort, makeLab, startCli, type Background } from './lab'

interface Listed {
  name: string
  kind: string
  address: string | null
  token: boolean
  tls: boolean
  status?: { reachable: boolean; error: string | null; joined: { pid: number }[] | null }
}

const list = (dataDir: string, probe = true): Listed[] => {
  const r = runCli(['devices', 'list', '--json', ...(probe ? [] : ['--no-probe'])], { dataDir })
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as Listed[]
}

const started: (Background | ChildProcess)[] = []
afterAll(async () => {
  for (const p of started) {
    if ('stop' in p) await p.stop()
    else if (p.exitCode === null) p.kill('SIGKILL')
  }
}, 60_000)

describe('the device list', () => {
  it('holds this computer always; frida-servers and portals are added, listed and removed, owner-only', () => {
    const dir = tempDir()
    expect(list(dir, false)).toEqual([
      { name: 'local', kind: 'local', address: null, token: false, tls: false },
    ])
    const cert = makeCert()
    let r = runCli(
      [
        'devices',
        'add',
        'frida-server',
        'vm1',
        '--address',
        '10.0.0.9:27042',
        '--token',
        's3cret',
        '--cert',
        cert.cert,
      ],
      { dataDir: dir },
    )
    expect(r.status, r.stderr).toBe(0)
    r = runCli(['devices', 'add', 'portal', 'bench', '--address', '127.0.0.1:27042', '--token', 't'], {
      dataDir: dir,
    })
    expect(r.status, r.stderr).toBe(0)
    expect(list(dir, false)).toEqual([
      { name: 'local', kind: 'local', address: null, token: false, tls: false },
      { name: 'bench', kind: 'portal', address: '127.0.0.1:27042', token: true, tls: false },
      { name: 'vm1', kind: 'frida-server', address: '10.0.0.9:27042', token: true, tls: true },
    ])
    // Tokens are secrets: the file is the owner's only, and holds the certificate, never a key.
    const file = join(dir, 'devices.json')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const stored = readFileSync(file, 'utf8')
    expect(stored).toContain('s3cret')
    expect(stored).toContain('BEGIN CERTIFICATE')
    expect(stored).not.toContain('PRIVATE KEY')
    r = runCli(['devices', 'remove', 'vm1', '--json'], { dataDir: dir })
    expect(JSON.parse(r.stdout)).toEqual({ removed: 'vm1' })
    expect(list(dir, false).map((d) => d.name)).toEqual(['local', 'bench'])
  })

  it('refuses bad input with a message naming the fix, and changes nothing', () => {
    const dir = tempDir()
    const bad: [string[], RegExp][] = [
      [['add', 'portal', 'p', '--address', 'nowhere'], /--address: an address is HOST:PORT/],
      [['add', 'portal', 'p', '--address', 'h:1'], /--token: .*(Required|string)/i],
      [['add', 'frida-server', 'local', '--address', 'h:1'], /NAME: "local" is this computer's name/],
      [['add', 'frida-server', 'bad name', '--address', 'h:1'], /NAME: a device name is/],
      [['add', 'usb', 'x', '--address', 'h:1'], /KIND must be frida-server or portal/],
      [['add', 'frida-server', 'x', '--address', 'h:1', '--cert', '/dev/zero'], /not a regular file/],
      [['remove', 'local'], /"local" is this computer: it cannot be removed/],
      [['remove', 'ghost'], /no device named "ghost": choose one of local/],
    ]
    for (const [args, message] of bad) {
      const r = runCli(['devices', ...args], { dataDir: dir })
      expect(r.status, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(message)
    }
    expect(list(dir, false)).toHaveLength(1)
    writeFileSync(join(dir, 'devices.json'), '{"version":1,"devices":[{"kind":"portal"}]}')
    const r = runCli(['devices', 'list'], { dataDir: dir })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/devices\.json is invalid: .*fix it, or delete it/)
    const c = runCli(['capture', '--device', 'nope', '--pid', '1'], { dataDir: tempDir() })
    expect(c.status).toBe(1)
    expect(c.stderr).toMatch(/no device named "nope": choose one of local/)
  })

  it('shows a device that does not answer as unreachable, within a bounded time', () => {
    const dir = tempDir()
    // A TEST-NET address: nothing answers there, so only the probe's own bound ends the wait.
    runCli(['devices', 'add', 'frida-server', 'gone', '--address', '192.0.2.1:27042'], { dataDir: dir })
    const [local, gone] = list(dir)
    expect(local.status).toMatchObject({ reachable: true, error: null })
    expect(gone.status).toMatchObject({ reachable: false, joined: null })
    expect(gone.status?.error).toBeTruthy()
  }, 60_000)
})

describe('a portal serving TLS: a device with another certificate is refused, naming the device', () => {
  it('the right certificate reaches it, another one is refused', async () => {
    const dir = tempDir()
    const mine = makeCert()
    const pem = join(mine.dir, 'portal.pem')
    writeFileSync(pem, readFileSync(mine.cert, 'utf8') + readFileSync(mine.key, 'utf8'))
    const control = `127.0.0.1:${await freePort('127.0.0.1')}`
    const cluster = `127.0.0.1:${await freePort('127.0.0.1')}`
    const portal = startCli(
      ['portal', 'serve', '--cluster', cluster, '--control', control, '--cert', pem, '--token', 'tls-token'],
      dir,
    )
    started.push(portal)
    await portal.seen(/portal listening: .*\(TLS\)/)
    const other = makeCert()
    runCli(
      [
        'devices',
        'add',
        'portal',
        'forged',
        '--address',
        control,
        '--token',
        'tls-token',
        '--cert',
        other.cert,
      ],
      {
        dataDir: dir,
      },
    )
    runCli(['devices', 'add', 'portal', 'plain', '--address', control, '--token', 'tls-token'], {
      dataDir: dir,
    })
    const byName = new Map(list(dir).map((d) => [d.name, d]))
    // "portal serve" registered itself with its certificate (and not its key).
    expect(byName.get('portal')).toMatchObject({ tls: true, status: { reachable: true, joined: [] } })
    expect(byName.get('forged')?.status?.error).toMatch(
      /device "forged" \(portal at 127\.0\.0\.1:\d+\) did not present the TLS certificate it is registered with/,
    )
    expect(byName.get('plain')?.status?.error).toMatch(
      /device "plain" .*if it serves TLS, register its certificate/,
    )
    expect(readFileSync(join(dir, 'devices.json'), 'utf8')).not.toContain('PRIVATE KEY')
  }, 60_000)
})

// pip's frida ships no frida-server binary (neither does frida-tools), and Frida's ControlService cannot be
// constructed from Python, so the frida-server case runs only where a frida-server is on PATH.
const fridaServer = findOnPath('frida-server')
describe.skipIf(!fridaServer)(
  'a frida-server with a token in a network namespace (needs frida-server on PATH)',
  () => {
    it('capture --device attaches through it; a wrong token is refused naming the device', async () => {
      const lab = makeLab('fsv')
      try {
        const dir = tempDir()
        const port = 27042
        const server = spawn(
          'ip',
          ['netns', 'exec', lab.ns, fridaServer!, '-l', `${lab.nsIp}:${port}`, '--token', 'fs-token'],
          {
            stdio: 'ignore',
          },
        )
        started.push(server)
        const target = spawn('ip', ['netns', 'exec', lab.ns, 'sleep', '60'], { stdio: 'ignore' })
        started.push(target)
        const address = `${lab.nsIp}:${port}`
        runCli(['devices', 'add', 'frida-server', 'vm', '--address', address, '--token', 'fs-token'], {
          dataDir: dir,
        })
        runCli(['devices', 'add', 'frida-server', 'wrong', '--address', address, '--token', 'nope'], {
          dataDir: dir,
        })
        for (let i = 0; i < 50 && !list(dir).find((d) => d.name === 'vm')?.status?.reachable; i++)
          await new Promise((r) => setTimeout(r, 200))
        const cap = startCapture(['--device', 'vm', '--pid', String(target.pid), '--duration', '3'], dir)
        expect(await cap.exited, cap.stderr).toBe(0)
        expect(cap.stderr).toContain(`attached to sleep (pid ${target.pid})`)
        const r = runCli(['capture', '--device', 'wrong', '--pid', String(target.pid), '--duration', '2'], {
          dataDir: dir,
        })
        expect(r.status).toBe(1)
        expect(r.stderr).toContain(`device "wrong" (frida-server at ${address}) refused the token`)
      } finally {
        lab.remove()
      }
    }, 120_000)
  },
)
