import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../support/helpers'
import { outbound, startCapture } from './tls-lab'
import { httpsLab } from './https-lab'

// Whole applications: several processes of one name, a parent whose children do the talking, children
// started after the attach. Real curl and sh, hooked through pip's frida.
const lab = httpsLab()

/** curl under a name no other process has, so --name means exactly ours. */
function privateCurl(): { bin: string; name: string } {
  const name = `msc${process.pid % 10000}${Math.floor(Math.random() * 1000)}`
  const bin = join(tempDir(), name)
  copyFileSync('/usr/bin/curl', bin)
  return { bin, name }
}

/** A curl that posts `tag` 5 times a second for a while. */
const curlArgs = (tag: string) => [
  '--http1.1',
  '-s',
  '-o',
  '/dev/null',
  '--cacert',
  lab.cert.cert,
  '--rate',
  '5/s',
  '-d',
  tag,
  ...Array(200).fill(`${lab.server.url}/${tag}`),
]

function start(cmd: string, args: string[]): ChildProcess {
  const p = spawn(cmd, args, { stdio: 'ignore' })
  lab.started.push(p)
  return p
}

describe('capture follows whole applications', () => {
  it('--name attaches to every process of that name; captures carry their pid', async () => {
    const { bin, name } = privateCurl()
    const a = start(bin, curlArgs('first'))
    const b = start(bin, curlArgs('second'))
    await lab.server.waitFor(lab.server.received.length + 4)
    const cap = startCapture(['--name', name], tempDir())
    await cap.ready()
    await lab.server.waitFor(lab.server.received.length + 6)
    expect(await cap.stop()).toBe(0)
    const caps = cap.captures()
    const pidsOf = (tag: string) =>
      new Set(
        caps
          .filter((c) => Buffer.from(c.data, 'base64').toString().includes(`POST /${tag} `))
          .map((c) => c.pid),
      )
    expect(pidsOf('first')).toEqual(new Set([a.pid]))
    expect(pidsOf('second')).toEqual(new Set([b.pid]))
    expect(cap.stderr).toContain(`capturing from 2 process(es)`)
  })

  it('--pid given twice attaches to both', async () => {
    const { bin } = privateCurl()
    const a = start(bin, curlArgs('pid-a'))
    const b = start(bin, curlArgs('pid-b'))
    await lab.server.waitFor(lab.server.received.length + 4)
    const cap = startCapture(['--pid', String(a.pid), '--pid', String(b.pid)], tempDir())
    await cap.ready()
    await lab.server.waitFor(lab.server.received.length + 6)
    expect(await cap.stop()).toBe(0)
    const out = outbound(cap.captures())
    expect(out).toContain('POST /pid-a ')
    expect(out).toContain('POST /pid-b ')
  })

  // A child is attached once it has run for a moment (see CaptureRun.followTree): these children post for a
  // few seconds, as an app's helper processes do, and their later requests must be captured.
  const helper = (bin: string, tag: string) =>
    `"${bin}" --http1.1 -s -o /dev/null --cacert ${lab.cert.cert} --rate 4/s -d ${tag} ` +
    Array(12).fill(`${lab.server.url}/${tag}`).join(' ')

  it('--tree on a running parent hooks its children, also those started after the attach', async () => {
    const { bin } = privateCurl()
    // A shell that keeps starting helpers, like an app launching helper processes.
    const parent = start('sh', ['-c', `while true; do ${helper(bin, 'late')}; done`])
    await lab.server.waitFor(lab.server.received.length + 1)
    const cap = startCapture(['--pid', String(parent.pid), '--tree'], tempDir())
    await cap.ready()
    const deadline = Date.now() + 30_000
    const latePids = () =>
      new Set(
        cap
          .captures()
          .filter((c) => Buffer.from(c.data, 'base64').toString().includes('POST /late '))
          .map((c) => c.pid),
      )
    while (latePids().size < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    expect(await cap.stop()).toBe(0)
    // Requests from curls the shell started after MuteScope attached: pids other than the shell's.
    expect(latePids().size).toBeGreaterThanOrEqual(3)
    expect(latePids().has(parent.pid)).toBe(false)
  })

  it('--spawn follows the children a spawned program starts', async () => {
    const { bin } = privateCurl()
    const steps = [1, 2, 3].map((i) => helper(bin, `spawned-${i}`)).join('; ')
    const cap = startCapture(['--spawn', `sh -c '${steps}; sleep 30'`], tempDir())
    await cap.ready()
    const deadline = Date.now() + 30_000
    while (lab.server.received.filter((r) => r.url === '/spawned-3').length < 12 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100))
    expect(await cap.stop()).toBe(0)
    const out = outbound(cap.captures())
    for (const i of [1, 2, 3]) expect(out).toContain(`POST /spawned-${i} `)
  })

  it('a child that ends before it could be attached is named in a warning, not passed over in silence', async () => {
    const dir = tempDir()
    const pids = join(dir, 'pids')
    // Each child lives about 0.6 s: long enough for the tree poller to see, too short to be attached.
    const child =
      `python3 -c "import os,socket,time; print(os.getpid(), flush=True); time.sleep(0.5); ` +
      `socket.create_connection(('127.0.0.1', ${lab.server.port})).sendall(b'SHORT-LIVED')" >> ${pids}`
    writeFileSync(join(dir, 'short.sh'), `sleep 1\n${child}\nsleep 1\n${child}\nsleep 1\n${child}\nsleep 2\n`)
    const cap = startCapture(['--spawn', `sh ${join(dir, 'short.sh')}`], tempDir())
    await cap.ready()
    // The capture ends with the script: about 7 s.
    const end = await Promise.race([
      cap.exited,
      new Promise((r) => setTimeout(() => r('still running'), 30_000)),
    ])
    expect(end, cap.stderr).toBe(0)
    const children = readFileSync(pids, 'utf8').trim().split('\n').map(Number)
    expect(children).toHaveLength(3)
    const captured = new Set(
      cap
        .captures()
        .filter((c) => Buffer.from(c.data, 'base64').toString().includes('SHORT-LIVED'))
        .map((c) => c.pid),
    )
    // Each child is either captured (a slow machine may let one live long enough) or named as missed.
    for (const pid of children)
      if (!captured.has(pid))
        expect(cap.stderr).toMatch(
          new RegExp(
            `warning: pid ${pid} \\([^)]*\\) ended (within \\d+ ms, before it was attached|while it was being attached)`,
          ),
        )
  })

  it('a process whose TLS no hook reads gets a warning naming it and its peer, not silence', async () => {
    const { bin, name } = privateCurl()
    start(bin, curlArgs('unseen'))
    await lab.server.waitFor(lab.server.received.length + 2)
    // Only the socket hooks: curl's OpenSSL goes unhooked, as a stripped static TLS library would.
    const cap = startCapture(['--name', name, '--hooks', 'socket'], tempDir())
    await cap.ready()
    const deadline = Date.now() + 15_000
    while (!/sent \d+ TLS records/.test(cap.stderr) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200))
    expect(await cap.stop()).toBe(0)
    expect(cap.stderr).toMatch(
      new RegExp(
        `warning: ${name} \\(pid \\d+\\) sent \\d+ TLS records \\(\\d+ B\\) to 127\\.0\\.0\\.1:${lab.server.port} that no plaintext hook saw`,
      ),
    )
  })
})

describe("a spawned target is the user's program, not ours", () => {
  it('keeps its stdout and stderr and keeps running after the capture ends', async () => {
    const marker = `tick-${process.pid}`
    const cap = startCapture(
      [
        '--spawn',
        `sh -c 'while :; do echo ${marker}; echo ${marker}-err >&2; sleep 0.2; done'`,
        '--duration',
        '2',
      ],
      tempDir(),
    )
    expect(await cap.exited).toBe(0)
    const pid = Number(/attached to sh \(pid (\d+)\)/.exec(cap.stderr)?.[1])
    try {
      // Its output went where MuteScope's own stderr goes, not into the bridge's protocol or a full pipe.
      expect(cap.stderr).toContain(`${marker}\n`)
      expect(cap.stderr).toContain(`${marker}-err\n`)
      await new Promise((r) => setTimeout(r, 1000))
      expect(() => process.kill(pid, 0)).not.toThrow()
    } finally {
      process.kill(pid, 'SIGKILL')
    }
  })
})
