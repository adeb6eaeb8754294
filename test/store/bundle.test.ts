import { createHash, randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/core/app'
import { exportBundle, importBundle } from '../../src/core/store/bundle'
import { IMPORTING, SessionStore } from '../../src/core/store/session-store'
import { bundleChunkBytes } from '../../src/shared/contract/sessions'
import type { Reply } from '../../src/shared/contract'
import { analyzeSession } from '../../src/core/analysis/analyze'
import {
  attachedTwoDevices,
  lostAndBack,
  syntheticStartT as start,
  twoDevices,
  writeMultiDeviceSession,
} from '../analysis/synthetic-session'
import { captureOf } from '../support/captures'
import { runCli, tempDir } from '../support/helpers'
import { storesClosedAfterEach } from '../support/stores'
import { runCliPeakRss } from '../support/peak-rss'

const MiB = 1024 * 1024
const store = storesClosedAfterEach()

/** A finished session with rows in every table, nulls and odd values included. */
function seeded(s: SessionStore): number {
  const id = s.createSession({ name: 'exp', notes: 'n', episodes: ['a.mp4'], distanceCm: 25 }).id
  s.appendTelemetry(id, [
    {
      t: 6,
      host: null,
      path: null,
      conn: null,
      fields: { audioMinGain: 3, label: 'x', on: true, none: null },
    },
    { t: 7, host: 'h', path: '/metric/v1', conn: 'c', fields: {} },
  ])
  s.appendCaptures(
    id,
    Array.from({ length: 40 }, (_, i) =>
      captureOf(new Uint8Array([0, 255, i]), {
        t: 5 + i,
        dir: i % 2 ? 'in' : 'out',
        peer: i ? '1.2.3.4:443' : null,
        thread: i ? i : null,
        pid: i ? 9 : null,
      }),
    ),
  )
  s.appendLevelWindows(id, [
    {
      startT: 0,
      endT: 60_000,
      weighting: 'A',
      leq: -30,
      lmax: null,
      lmin: -40,
      peak: -3,
      powerDb: 30,
      episode: null,
    },
  ])
  s.appendLevelSeconds(id, [
    { t: 0, level: -31.5 },
    { t: 1000, level: null },
  ])
  s.appendEvents(id, [{ t: 2, kind: 'attach', detail: { pid: 4, nested: [1, { a: 'b' }] } }])
  s.finishSession(id, 'completed', 'stopped')
  return id
}

function everything(s: SessionStore, id: number) {
  return {
    telemetry: s.telemetry(id),
    // Large byte arrays compare by digest: element-wise deep equality would take minutes.
    captures: s.captures(id).map((c) => ({ ...c, data: createHash('sha256').update(c.data).digest('hex') })),
    windows: s.levelWindows(id),
    seconds: s.levelSeconds(id),
    events: s.events(id),
  }
}

const sessionJson = {
  id: 1,
  name: 'bomb',
  targetApp: '',
  appVersion: '',
  os: '',
  micMode: '',
  microphone: '',
  distanceCm: null,
  activity: '',
  episodes: [],
  notes: '',
  profile: '',
  intervalS: null,
  startedAt: 0,
  endedAt: 0,
  status: 'completed',
  statusReason: null,
}
const header = JSON.stringify({
  format: 'mutescope-session',
  version: 2,
  exportedAt: 0,
  session: sessionJson,
})
const captureLine = (data: string) =>
  JSON.stringify({
    captures: { t: 0, conn: 'c', fn: 'f', module: 'm', dir: 'out', peer: null, thread: null, data },
  })

/** The header, then `text` repeated to 1 GiB: one 1 MiB gzip member, 1024 times (gzip allows members in a row). */
function bomb(file: string, text: string): void {
  const member = gzipSync(text.repeat(Math.floor(MiB / text.length)), { level: 9 })
  writeFileSync(file, Buffer.concat([gzipSync(header + '\n'), ...Array<Buffer>(1024).fill(member)]))
}

function dispatchOk<T>(reply: Reply): T {
  if (!reply.ok) throw new Error(reply.error.message)
  return reply.result as T
}

describe('session bundles', () => {
  it('round-trip every table of a session as gzip JSON lines in an owner-only file', async () => {
    const s = store()
    const id = seeded(s)
    const file = join(tempDir(), 'b.jsonl.gz')
    await exportBundle(s, id, file)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const lines = gunzipSync(readFileSync(file)).toString().trimEnd().split('\n')
    expect(JSON.parse(lines[0])).toMatchObject({ format: 'mutescope-session', version: 4 })
    expect(JSON.parse(lines[lines.length - 1])).toEqual({
      end: {
        telemetry: 2,
        captures: 40,
        levelWindows: 1,
        levelSeconds: 2,
        events: 1,
        micAccess: 0,
        muteIntervals: 0,
        clockOffsets: 0,
      },
    })
    const other = store()
    const copy = await importBundle(other, file)
    expect(copy).toMatchObject({ name: 'exp', notes: 'n', status: 'completed', statusReason: 'stopped' })
    expect(everything(other, copy.id)).toEqual(everything(s, id))
  })

  it('carries a multi-device session: each device’s records, its lost link and its clock offset', async () => {
    const s = store()
    const since = start + 21_000
    const measuredAt = start - 2000
    const { id } = writeMultiDeviceSession(s, {
      seed: 3,
      intervalS: 5,
      reports: 10,
      devices: [twoDevices.local, { ...twoDevices.lab, lost: [4, 5] }],
      events: [...attachedTwoDevices, ...lostAndBack(since, 9000)],
      clocks: [
        { device: 'local', offsetMs: 0.01, uncertaintyMs: 0.02, samples: 1, measuredAt },
        { device: 'lab', offsetMs: -12.5, uncertaintyMs: 0.75, samples: 5, measuredAt },
      ],
    })
    const file = join(tempDir(), 'two.jsonl.gz')
    await exportBundle(s, id, file)
    const other = store()
    const copy = await importBundle(other, file)
    const whole = (from: SessionStore, sid: number) => ({
      ...everything(from, sid),
      clockOffsets: from.clockOffsets(sid),
      devices: analyzeSession(from, sid).devices,
    })
    const want = whole(s, id)
    expect(want.clockOffsets).toHaveLength(2)
    expect(new Set(want.telemetry.map((r) => r.device))).toEqual(new Set(['local', 'lab']))
    expect(want.devices![1].gaps).toEqual([{ startT: since, endT: since + 9000 }])
    expect(whole(other, copy.id)).toEqual(want)

    // A version 3 bundle (before clock offsets) still imports, as the session without them.
    const lines = gunzipSync(readFileSync(file)).toString().trimEnd().split('\n')
    const v3 = [
      lines[0].replace('"version":4', '"version":3'),
      ...lines.slice(1, -1).filter((l) => !l.startsWith('{"clockOffsets"')),
      lines[lines.length - 1].replace(/,"clockOffsets":\d+/, ''),
    ]
    const old = join(tempDir(), 'v3.jsonl.gz')
    writeFileSync(old, gzipSync(v3.join('\n') + '\n'))
    const older = await importBundle(other, old)
    expect(other.clockOffsets(older.id)).toEqual([])
    expect(everything(other, older.id)).toEqual(everything(s, id))
  })

  it('reads version 1 bundles (one JSON document), token by token', async () => {
    const s = store()
    const id = seeded(s)
    const v1 = {
      format: 'mutescope-session',
      version: 1,
      exportedAt: 0,
      session: s.getSession(id),
      telemetry: s.telemetry(id),
      captures: s
        .captures(id)
        .map(({ pid: _p, ...c }) => ({ ...c, data: Buffer.from(c.data).toString('base64') })),
      levelWindows: s.levelWindows(id),
      levelSeconds: s.levelSeconds(id),
      events: s.events(id),
    }
    const file = join(tempDir(), 'v1.json.gz')
    writeFileSync(file, gzipSync(JSON.stringify(v1)))
    const other = store()
    const copy = await importBundle(other, file)
    const want = everything(s, id)
    want.captures = want.captures.map((c) => ({ ...c, pid: null }))
    expect(everything(other, copy.id)).toEqual(want)
  })

  it('refuses a 1 MB bundle that expands to 1 GiB, exiting non-zero in bounded memory', () => {
    const dir = tempDir()
    const dataDir = join(dir, 'data')
    for (const [name, text] of [
      ['rows', captureLine('A'.repeat(4000)) + '\n'],
      ['one endless line', 'A'],
    ]) {
      const file = join(dir, 'bomb.gz')
      bomb(file, text)
      expect(statSync(file).size).toBeLessThan(3 * MiB)
      const r = runCliPeakRss(['sessions', 'import', file], { dataDir })
      expect(r.status, name).toBe(1)
      expect(r.stderr).toMatch(/not a MuteScope session bundle: it expands beyond 256 MB.*compression bomb/)
      expect(r.peakMiB, name).toBeLessThan(300)
    }
    expect(JSON.parse(runCli(['sessions', 'list', '--json'], { dataDir }).stdout)).toEqual([])
  })

  it('refuses a line longer than a record may be, without holding more than one line', () => {
    const dir = tempDir()
    const file = join(dir, 'long.gz')
    writeFileSync(file, gzipSync(`${header}\n${captureLine('A'.repeat(60 * MiB))}\n`))
    const r = runCliPeakRss(['sessions', 'import', file], { dataDir: join(dir, 'data') })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/line longer than 48 MB/)
    expect(r.peakMiB).toBeLessThan(300)
  })

  it('says what is wrong with a file that is no bundle, before reading a device or a FIFO', () => {
    const dir = tempDir()
    const dataDir = join(dir, 'data')
    const zeros = join(dir, 'zeros')
    writeFileSync(zeros, '')
    truncateSync(zeros, 1.9e9) // sparse: 1.9 GB of zeros without writing them
    const fifo = join(dir, 'fifo')
    spawnSync('mkfifo', [fifo])
    const gzipZeros = join(dir, 'zeros.gz')
    writeFileSync(gzipZeros, gzipSync(Buffer.alloc(MiB)))
    const newer = join(dir, 'newer.gz')
    writeFileSync(newer, gzipSync(header.replace('"version":2', '"version":9') + '\n'))
    const json = join(dir, 'x.json')
    writeFileSync(json, '{"not":"a bundle"}')
    const cases: [string, RegExp][] = [
      [
        zeros,
        /not a MuteScope session bundle: it is neither gzip-compressed nor JSON \(it starts with 00 00/,
      ],
      ['/dev/zero', /\/dev\/zero: it is a device, not a regular file/],
      [fifo, /it is a FIFO \(named pipe\), not a regular file/],
      [dir, /it is a folder, not a regular file/],
      [gzipZeros, /gzip-compressed but holds no JSON/],
      [newer, /version 9, made by a newer MuteScope; upgrade/],
      [json, /not a MuteScope session bundle: it has no "format"/],
      [join(dir, 'missing'), /cannot read session bundle .*missing: no such file/],
    ]
    for (const [file, message] of cases) {
      const r = runCli(['sessions', 'import', file], { dataDir, timeoutMs: 20_000 })
      expect(r.status, file).toBe(1)
      expect(r.stderr, file).toMatch(message)
      expect(r.stderr).not.toMatch(/corrupt gzip|internal error/)
    }
  })

  it('leaves nothing behind when a bundle turns out bad midway', async () => {
    const s = store()
    const id = seeded(s)
    const dir = tempDir()
    const good = join(dir, 'good.gz')
    await exportBundle(s, id, good)
    const lines = gunzipSync(readFileSync(good)).toString().trimEnd().split('\n')
    const bad: [string, string, RegExp][] = [
      ['truncated', lines.slice(0, -1).join('\n'), /ends before its end line/],
      [
        'bad row',
        [...lines.slice(0, 5), '{"captures":{"t":"x"}}', ...lines.slice(5)].join('\n'),
        /line 6 .*invalid/,
      ],
      [
        'miscounted',
        [...lines.slice(0, 5), ...lines.slice(6)].join('\n'),
        /39 captures rows where its end line says 40/,
      ],
      [
        'not JSON',
        [...lines.slice(0, 5), '{"captures":', ...lines.slice(5)].join('\n'),
        /line 6 is not JSON/,
      ],
      ['deep', [...lines.slice(0, 5), '['.repeat(100) + ']'.repeat(100)].join('\n'), /nests deeper than 64/],
    ]
    const other = store()
    for (const [name, text, message] of bad) {
      const file = join(dir, `${name}.gz`)
      writeFileSync(file, gzipSync(text + '\n'))
      await expect(importBundle(other, file), name).rejects.toThrow(message)
    }
    const cut = join(dir, 'cut.gz')
    const bytes = gzipSync(lines.join('\n'))
    writeFileSync(cut, bytes.subarray(0, bytes.length - 30))
    await expect(importBundle(other, cut)).rejects.toThrow(/gzip data ends early|corrupt/)
    expect(other.listSessions()).toEqual([])
  })

  it('deletes an import cut short by a crash when the store next opens', () => {
    const dir = tempDir()
    const s = store(dir)
    const id = seeded(s)
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!
    s.db
      .prepare(`UPDATE sessions SET status = 'running', status_reason = ?, owner_pid = ? WHERE id = ?`)
      .run(IMPORTING, dead, id)
    s.close()
    expect(store(dir).listSessions()).toEqual([])
  })

  it('crosses the API in chunks both ways while other requests are answered', async () => {
    const s = store()
    const id = seeded(s)
    const big = Array.from({ length: 3 }, (_, t) => captureOf(new Uint8Array(randomBytes(3 * MiB)), { t }))
    s.appendCaptures(id, big)
    s.appendLevelSeconds(
      id,
      Array.from({ length: 20_000 }, (_, i) => ({ t: 2000 + i * 1000, level: -i / 7 })),
    )
    const file = join(tempDir(), 'api.gz')
    await exportBundle(s, id, file)
    const bytes = readFileSync(file)
    expect(bytes.length).toBeGreaterThan(2 * bundleChunkBytes)

    const app = createApp({ dataDir: tempDir(), transport: 'web' })
    try {
      const { transferId } = dispatchOk<{ transferId: string }>(
        await app.dispatch('importSession', { bytes: bytes.length }),
      )
      let imported: { id: number } | null = null
      for (let offset = 0; offset < bytes.length; offset += bundleChunkBytes) {
        const base64 = bytes.subarray(offset, offset + bundleChunkBytes).toString('base64')
        const reply = app.dispatch('importSessionChunk', { transferId, offset, base64 })
        if (offset + bundleChunkBytes < bytes.length) {
          expect(dispatchOk(await reply)).toEqual({ received: offset + bundleChunkBytes, session: null })
          continue
        }
        // The last chunk imports: another client's request is answered before that finishes.
        const order: string[] = []
        await Promise.all([
          reply.then(
            (r) => (order.push('import'), (imported = dispatchOk<{ session: { id: number } }>(r).session)),
          ),
          app.dispatch('listSessions', {}).then(() => order.push('list')),
        ])
        expect(order).toEqual(['list', 'import'])
      }
      expect(everything(app.store, imported!.id)).toEqual(everything(s, id))

      const started = dispatchOk<{ transferId: string; fileName: string; bytes: number }>(
        await app.dispatch('exportSession', { id: imported!.id }),
      )
      expect(started.fileName).toBe(`mutescope-session-${imported!.id}.jsonl.gz`)
      const parts: Buffer[] = []
      for (let offset = 0, done = false; !done;) {
        const chunk = dispatchOk<{ base64: string; done: boolean }>(
          await app.dispatch('exportSessionChunk', { transferId: started.transferId, offset }),
        )
        parts.push(Buffer.from(chunk.base64, 'base64'))
        expect(parts[parts.length - 1].length).toBeLessThanOrEqual(bundleChunkBytes)
        offset += parts[parts.length - 1].length
        done = chunk.done
      }
      const back = join(tempDir(), 'back.gz')
      writeFileSync(back, Buffer.concat(parts))
      const third = store()
      expect(everything(third, (await importBundle(third, back)).id)).toEqual(everything(s, id))
      // The transfer is over: its file is gone and its id no longer answers.
      expect(
        await app.dispatch('exportSessionChunk', { transferId: started.transferId, offset: 0 }),
      ).toMatchObject({
        ok: false,
        error: { message: expect.stringMatching(/no export under way/) },
      })
    } finally {
      await app.close()
    }
  })
})
