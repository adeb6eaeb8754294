// `npm run bench:bundle`: a 24-hour session with ~1 GB of captures exported and imported by the CLI
// (time, bundle size, peak RSS), and a 1 MB bundle that expands to 1 GiB refused (time, peak RSS).
// BUNDLE_MB sets the captured bytes (default 1024).
import { randomBytes } from 'node:crypto'
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { SessionStore } from '../src/core/store/session-store'
import { writeSyntheticSession } from '../test/analysis/synthetic-session'
import { tempDir } from '../test/support/helpers'
import { runCliPeakRss } from '../test/support/peak-rss'

const MiB = 1024 * 1024
const captureMiB = Number(process.env.BUNDLE_MB ?? 1024)

function timed(label: string, args: string[], dataDir: string) {
  const t0 = performance.now()
  const r = runCliPeakRss(args, { dataDir, timeoutMs: 30 * 60_000 })
  const s = (performance.now() - t0) / 1000
  if (r.status !== 0 && !label.includes('bomb')) throw new Error(`${label} failed: ${r.stderr}`)
  console.log(
    `${label.padEnd(34)} ${s.toFixed(1).padStart(6)} s  peak RSS ${r.peakMiB.toFixed(0).padStart(4)} MiB  exit ${r.status}`,
  )
  return r
}

function main(): void {
  const source = tempDir('mutescope-bench-bundle-')
  const store = SessionStore.open({ dir: source })
  const session = writeSyntheticSession(store, { intervalS: 60, records: 1440, lagS: 0, seed: 7 })
  // Captures of 256 KiB: HTTP text then random bytes (compressed payloads, as real telemetry carries).
  const head = Buffer.from('POST /metric/v1 HTTP/1.1\r\nHost: x.example\r\nContent-Encoding: gzip\r\n\r\n')
  for (let done = 0; done < captureMiB * 4; done += 16) {
    store.appendCaptures(
      session.id,
      Array.from({ length: 16 }, (_, i) => ({
        t: session.playbackStartT + (done + i) * 20_000,
        conn: `c${(done + i) % 50}`,
        fn: 'SSL_write',
        module: 'libssl.so.3',
        dir: 'out' as const,
        peer: '10.0.0.1:443',
        thread: 1,
        pid: 1000,
        data: new Uint8Array(Buffer.concat([head, randomBytes(256 * 1024 - head.length)])),
      })),
    )
  }
  store.close()
  const bundle = join(tempDir(), 'session.jsonl.gz')
  console.log(`24-hour session: 1,440 records, 86,400 one-second levels, ${captureMiB} MiB of captures`)
  timed('sessions export', ['sessions', 'export', String(session.id), '--out', bundle], source)
  console.log(`bundle: ${(statSync(bundle).size / MiB).toFixed(0)} MiB`)
  timed('sessions import', ['sessions', 'import', bundle], tempDir())

  const meta = SessionStore.open({ dir: source })
  const header = JSON.stringify({
    format: 'mutescope-session',
    version: 2,
    exportedAt: 0,
    session: meta.getSession(session.id),
  })
  meta.close()
  const line = JSON.stringify({
    captures: {
      t: 0,
      conn: 'c',
      fn: 'f',
      module: 'm',
      dir: 'out',
      peer: null,
      thread: null,
      data: 'A'.repeat(4000),
    },
  })
  const member = gzipSync(`${line}\n`.repeat(Math.floor(MiB / (line.length + 1))), { level: 9 })
  const bomb = join(tempDir(), 'bomb.jsonl.gz')
  writeFileSync(bomb, Buffer.concat([gzipSync(header + '\n'), ...Array<Buffer>(1024).fill(member)]))
  console.log(`bomb: ${(statSync(bomb).size / MiB).toFixed(1)} MiB expanding to 1 GiB`)
  timed('sessions import (bomb, refused)', ['sessions', 'import', bomb], tempDir())
}

main()
