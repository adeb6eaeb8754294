import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot, tempDir } from '../support/helpers'
import { makeCert, startCapture, startHttpsServer } from './tls-lab'

// TLS that runs inside a managed runtime (Java's JSSE) has no native function to hook. MuteScope must say
// so, naming the runtime, and warn about the TLS records it sees leave without plaintext: never silence.
let cert: ReturnType<typeof makeCert>
let server: Awaited<ReturnType<typeof startHttpsServer>>
let java: ChildProcess

beforeAll(async () => {
  cert = makeCert()
  server = await startHttpsServer(cert)
  java = spawn(
    'java',
    [join(repoRoot, 'test/capture/fixtures/JavaPoster.java'), `${server.url}/java`, 'jmark'],
    {
      stdio: 'ignore',
    },
  )
  await server.waitFor(2, 60_000)
}, 90_000)
afterAll(async () => {
  java.kill('SIGKILL')
  await server.close()
})

describe('TLS that no hook can read is named, not ignored', () => {
  it("a Java client: the JVM's TLS is reported unreachable and its records as unseen", async () => {
    const cap = startCapture(['--pid', String(java.pid)], tempDir())
    await cap.ready()
    const deadline = Date.now() + 20_000
    while (!/sent \d+ TLS records/.test(cap.stderr) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200))
    expect(await cap.stop()).toBe(0)
    expect(cap.stderr).toMatch(
      /warning: pid \d+: java TLS in libjvm\.so cannot be read: Java's TLS \(JSSE\) runs inside the JVM/,
    )
    expect(cap.stderr).toMatch(
      new RegExp(
        `warning: java \\(pid ${java.pid}\\) sent \\d+ TLS records \\(\\d+ B\\) to 127\\.0\\.0\\.1:${server.port}`,
      ),
    )
    expect(cap.captures().filter((c) => Buffer.from(c.data, 'base64').toString().includes('jmark'))).toEqual(
      [],
    )
  })
})
