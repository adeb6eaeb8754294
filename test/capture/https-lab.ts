import type { ChildProcess } from 'node:child_process'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { makeCert, startHttpsServer } from './tls-lab'

// Apart from tls-lab, which benchmarks import too: this one registers vitest hooks.
/**
 * For the tests of the calling file or describe block: a fresh certificate and a local HTTPS server (up before
 * the first test, closed after the last), and `started`, the processes a test starts, killed after each test.
 */
export function httpsLab() {
  const lab = {
    cert: null as unknown as ReturnType<typeof makeCert>,
    server: null as unknown as Awaited<ReturnType<typeof startHttpsServer>>,
    started: [] as ChildProcess[],
  }
  beforeAll(async () => {
    lab.cert = makeCert()
    lab.server = await startHttpsServer(lab.cert)
  })
  afterEach(() => {
    for (const p of lab.started.splice(0)) if (p.exitCode === null) p.kill('SIGKILL')
  })
  afterAll(() => lab.server.close())
  return lab
}
