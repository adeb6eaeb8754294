// Egress proof of N telemetry records: a real node https client spawned with `capture --egress` posts N JSON
// bodies over one keep-alive connection; then the analysis (tshark decrypting the recorded packets, decoding
// the stored captures again, matching byte for byte) and the pcapng export are timed.
// Run: npm run bench:egress (BENCH_RECORDS=2000 by default)
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { analyzeEgress, writeEgressPcapng } from '../src/core/egress/analyze'
import { SessionStore } from '../src/core/store/session-store'
import { makeCert, startHttpsServer } from '../test/capture/tls-lab'
import { cliPath, repoRoot, tempDir } from '../test/support/helpers'

const records = Number(process.env.BENCH_RECORDS ?? 2000)

async function main() {
  const cert = makeCert()
  const server = await startHttpsServer(cert)
  const dataDir = tempDir()
  try {
    const poster = join(repoRoot, 'test', 'egress', 'fixtures', 'json-poster.cjs')
    const cmd = `${process.execPath} ${poster} ${server.url}/metric/v1 ${cert.cert} ${records} 0 localhost`
    const t0 = performance.now()
    // Not spawnSync: the server runs in this process and must answer meanwhile.
    const cap = spawn(
      process.execPath,
      [cliPath, 'capture', '--egress', '--profile', 'generic', '--spawn', cmd],
      {
        env: { ...process.env, MUTESCOPE_DATA_DIR: dataDir },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let stderr = ''
    cap.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    await once(cap, 'exit')
    const captureS = (performance.now() - t0) / 1000
    const id = Number(/session (\d+) /.exec(stderr)?.[1])
    if (!id) throw new Error(`capture failed: ${stderr}`)
    const store = SessionStore.open({ dir: dataDir })
    try {
      const runs = [1, 2, 3].map(() => 0)
      let report = await analyzeEgress(store, id)
      for (let i = 0; i < runs.length; i++) {
        report = await analyzeEgress(store, id)
        runs[i] = report.analysisMs
      }
      const t1 = performance.now()
      await writeEgressPcapng(store, id, join(dataDir, 'out.pcapng'))
      const exportMs = performance.now() - t1
      const packets = report.streams.reduce((n, s) => n + s.packets, 0)
      console.log(
        `capture --egress of ${records} posts: ${captureS.toFixed(1)} s (incl. the proof at the end)\n` +
          `analysis: ${report.proven}/${report.records} records proven, ${packets} packets in ${report.streams.length} stream(s): ` +
          `median ${runs.sort((a, b) => a - b)[1].toFixed(0)} ms (${runs.map((r) => r.toFixed(0)).join(', ')}), ` +
          `${((runs[1] / report.records) * 1000).toFixed(0)} µs per record\n` +
          `pcapng with secrets: ${exportMs.toFixed(0)} ms`,
      )
    } finally {
      store.close()
    }
  } finally {
    await server.close()
  }
}

void main()
