// 100 MB TLS upload from a real node https client, without and with MuteScope's hooks (python backend,
// all hook groups, default 1 MiB cap, captures stored in a session). Run: npm run bench:capture
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { agentSource } from '../src/core/capture/agent-source'
import { CaptureRun } from '../src/core/capture/capture-run'
import { PythonBackend } from '../src/core/capture/python-backend'
import { recordRun } from '../src/core/capture/record'
import { SessionStore } from '../src/core/store/session-store'
import { makeCert, startHttpsServer } from '../test/capture/tls-lab'
import { tempDir } from '../test/support/helpers'

const totalMb = Number(process.env.BENCH_MB ?? 100)

// The uploader waits for a line on stdin (so hooks can go in first), uploads, prints its elapsed ms.
const uploader = `
const https = require('node:https'), fs = require('node:fs')
const [url, ca, mb] = process.argv.slice(1)
const chunk = Buffer.alloc(64 * 1024, 'x'), total = Number(mb) * 1024 * 1024
process.stdin.once('data', () => {
  const t0 = process.hrtime.bigint()
  const req = https.request(url, { method: 'POST', ca: fs.readFileSync(ca), headers: { 'content-length': total } }, (res) => {
    res.resume()
    res.on('end', () => { process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6) + '\\n'); process.exit(0) })
  })
  let sent = 0
  const pump = () => { while (sent < total) { sent += chunk.length; if (!req.write(chunk)) return req.once('drain', pump) } req.end() }
  pump()
})
process.stdout.write('ready\\n')
`

async function upload(url: string, ca: string, hook?: (p: ChildProcess) => Promise<void>): Promise<number> {
  const p = spawn(process.execPath, ['-e', uploader, url, ca, String(totalMb)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let out = ''
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  while (!out.includes('ready')) await once(p.stdout!, 'data')
  await hook?.(p)
  p.stdin!.write('go\n')
  await once(p, 'exit')
  return Number(out.split('\n')[1])
}

async function main() {
  const cert = makeCert()
  const server = await startHttpsServer(cert)
  const url = `${server.url}/upload`
  const mbps = (ms: number) => (totalMb / (ms / 1000)).toFixed(1)

  await upload(url, cert.cert) // warm-up: the server's first TLS handshakes and JIT
  const plainMs = await upload(url, cert.cert)

  const backend = await PythonBackend.start()
  const store = SessionStore.open({ dir: tempDir() })
  let run: CaptureRun | undefined
  const hookedMs = await upload(url, cert.cert, async (p) => {
    run = new CaptureRun(backend, agentSource(), { host: null, target: { pids: [p.pid!] } })
    recordRun(run, store)
    await run.start()
  })
  // Let the last captures travel through the bridge, then end the session (the target has exited).
  const end = await run!.done
  const plaintextOut = run!.stats.bytes
  const session = store.listSessions()[0]
  await backend.close()
  store.close()
  await server.close()

  const received = server.received.at(-1)?.body.length ?? 0
  console.log(
    JSON.stringify(
      {
        uploadMb: totalMb,
        withoutHooks: { ms: Math.round(plainMs), mbPerS: Number(mbps(plainMs)) },
        withHooks: { ms: Math.round(hookedMs), mbPerS: Number(mbps(hookedMs)) },
        slowdown: Number((hookedMs / plainMs).toFixed(2)),
        serverReceivedBytes: received,
        captures: run!.stats.captures,
        capturedBytes: plaintextOut,
        storedCaptures: session.captureCount,
        session: { status: end.status, reason: end.reason },
      },
      null,
      2,
    ),
  )
  if (received !== totalMb * 1024 * 1024) throw new Error(`server got ${received} bytes`)
}

void main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
