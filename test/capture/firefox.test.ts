import { expectCaptured } from './expect-captured'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/helpers'
import {
  browserArgv,
  firefoxProfile,
  killBrowser,
  killProcessTree,
  posterPage,
  postsWith,
  processConnectedTo,
  processTree,
  startBrowser,
} from './browser-lab'
import { makeCert, outbound, startCapture, startHttpsServer, type Received } from './tls-lab'

// Real Firefox ESR (NSS's libssl3 over the system's libnspr4), headless, posting telemetry JSON to a local
// HTTPS server whose certificate its profile trusts; MuteScope hooks NSPR's PR_Write/PR_Read.
let cert: ReturnType<typeof makeCert>
let server: Awaited<ReturnType<typeof startHttpsServer>>
const cleanups: (() => void)[] = []

const spawnedMarker = `spawned-${process.pid}`
const attachedMarker = `attached-${process.pid}`
const durationS = 20
/** What the capture may take beyond --duration to detach and close the session. */
const detachGraceMs = 10_000

beforeAll(async () => {
  cert = makeCert()
  server = await startHttpsServer(cert, {
    '/spawned.html': posterPage(spawnedMarker),
    '/attached.html': posterPage(attachedMarker),
  })
})
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})
afterAll(() => server.close())

const posts = (marker: string): Received[] => postsWith(server.received, marker)

/** Resolves with `p`, or fails naming `what` after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('capture on Firefox ESR (NSS)', () => {
  it('spawned: the telemetry POSTs come through PR_Write, --duration ends the run, Firefox keeps running', async () => {
    const argv = browserArgv('firefox', `${server.url}/spawned.html`, firefoxProfile(cert.cert))
    const cap = startCapture(['--duration', String(durationS), '--spawn', argv.join(' ')], tempDir())
    cleanups.push(() => cap.child.kill('SIGKILL'))
    await cap.attached()
    const pid = Number(/attached to firefox-esr \(pid (\d+)\)/.exec(cap.stderr)?.[1])
    expect(pid).toBeGreaterThan(0)
    cleanups.push(() => killProcessTree(pid))

    expect(
      await within(cap.exited, durationS * 1000 + detachGraceMs, 'the capture ended by --duration'),
    ).toBe(0)
    expect(cap.stderr).toMatch(/session \d+ completed: stopped/)
    // Its whole tree was followed; the seccomp-sandboxed children (content processes) were left alone, and said so.
    expect(cap.stderr, cap.stderr).toMatch(/pid \d+ \(\S+\) runs in a seccomp sandbox: not attached/)
    // Hooked from its first instruction, Firefox went on posting: NSS never deadlocked under the hooks.
    const sent = posts(spawnedMarker)
    expect(sent.length).toBeGreaterThanOrEqual(3)
    const captures = cap.captures()
    // (the last request may have been in flight when the capture ended)
    expectCaptured(outbound(captures, /^PR_Write$/), sent.slice(0, -1))
    const carrier = captures.find(
      (c) => c.dir === 'out' && Buffer.from(c.data, 'base64').toString().includes(spawnedMarker),
    )
    expect(carrier).toMatchObject({ fn: 'PR_Write', module: 'libnspr4.so', peer: `127.0.0.1:${server.port}` })
    const inbound = captures
      .filter((c) => c.dir === 'in' && c.fn === 'PR_Read')
      .map((c) => Buffer.from(c.data, 'base64').toString('latin1'))
    expect(inbound.join('')).toContain(`ack ${sent[0].url}`)

    // Detached, it is still alive and still posting.
    await server.waitFor(server.received.length + 2)
    expect(isRunning(pid)).toBe(true)
  }, 120_000)

  it('attached by --pid to the process that holds the connection: captured, no hang', async () => {
    const browser = startBrowser('firefox', `${server.url}/attached.html`, {}, cert.cert)
    cleanups.push(() => killBrowser(browser))
    while (posts(attachedMarker).length === 0) await server.waitFor(server.received.length + 1, 60_000)
    // The parent process or, where Necko runs there, the socket process.
    const pid = processConnectedTo(processTree(browser.pid!), server.port)
    expect(pid).not.toBeNull()

    const cap = startCapture(['--pid', String(pid)], tempDir())
    cleanups.push(() => cap.child.kill('SIGKILL'))
    await cap.attached()
    const from = posts(attachedMarker).length + 1 // one may be in flight while the hooks go in
    await server.waitFor(server.received.length + 4)
    expect(await within(cap.stop(), detachGraceMs, 'the capture stopped')).toBe(0)
    const sent = posts(attachedMarker).slice(from, -1)
    expectCaptured(outbound(cap.captures(), /^PR_Write$/), sent)

    // Detached, Firefox goes on posting.
    const after = posts(attachedMarker).length
    await server.waitFor(server.received.length + 2)
    expect(posts(attachedMarker).length).toBeGreaterThan(after)
  }, 150_000)
})
