import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { exportBundle, importBundle } from '../../src/core/store/bundle'
import { SessionWriter } from '../../src/core/store/session-writer'
import type { MicAccessSecond } from '../../src/shared/model'
import { tempDir } from '../support/helpers'
import { micSecond, noReads } from '../support/mic-seconds'
import { storesClosedAfterEach } from '../support/stores'

const store = storesClosedAfterEach()

const T0 = 1_700_000_000_000

describe('muted intervals in the store', () => {
  it('toggles live: mute opens an interval, unmute closes it, saying the same state twice changes nothing', () => {
    const s = store()
    const id = s.createSession({ name: 'live' }, T0).id
    expect(s.setMuted(id, true, T0 + 1000)).toEqual([{ start: T0 + 1000, end: null }])
    expect(s.setMuted(id, true, T0 + 2000)).toEqual([{ start: T0 + 1000, end: null }])
    expect(s.setMuted(id, false, T0 + 5000)).toEqual([{ start: T0 + 1000, end: T0 + 5000 }])
    expect(s.setMuted(id, false, T0 + 6000)).toEqual([{ start: T0 + 1000, end: T0 + 5000 }])
    s.setMuted(id, true, T0 + 8000)
    // Stopping while muted ends the interval with the session.
    s.finishSession(id, 'completed', 'stopped', T0 + 12_000)
    expect(s.muteIntervals(id)).toEqual([
      { start: T0 + 1000, end: T0 + 5000 },
      { start: T0 + 8000, end: T0 + 12_000 },
    ])
  })

  it('replaces intervals only when they are in order, apart, closed (once over) and within the session', () => {
    const s = store()
    const id = s.createSession({ name: 'edit' }, T0).id
    s.finishSession(id, 'completed', null, T0 + 60_000)
    const good = [
      { start: T0 + 30_000, end: T0 + 40_000 },
      { start: T0 + 10_000, end: T0 + 20_000 },
    ]
    expect(s.setMuteIntervals(id, good)).toEqual([good[1], good[0]])
    const bad: [{ start: number; end: number | null }[], RegExp][] = [
      [[{ start: T0 - 1, end: T0 + 5000 }], /interval 1 .*starts before the session did/],
      [[{ start: T0 + 5000, end: T0 + 1000 }], /interval 1 .*ends \(1\.0 s\) before it starts/],
      [[{ start: T0 + 5000, end: T0 + 61_000 }], /ends after the session \(60\.0 s\); end it at 60\.0 s/],
      [
        [
          { start: T0 + 1000, end: T0 + 9000 },
          { start: T0 + 8000, end: T0 + 9500 },
        ],
        /interval 2 \(from 8\.0 s\) overlaps interval 1; move its start to 9\.0 s or later/,
      ],
      [[{ start: T0 + 1000, end: null }], /has no end, and the session is over; give its end/],
      [[{ start: T0 + 1000.5, end: T0 + 2000 }], /whole milliseconds/],
    ]
    for (const [intervals, message] of bad) {
      expect(() => s.setMuteIntervals(id, intervals)).toThrow(message)
      // A refused edit changes nothing.
      expect(s.muteIntervals(id)).toEqual([good[1], good[0]])
    }
    expect(s.addMuteInterval(id, { start: T0 + 40_000, end: T0 + 45_000 })).toHaveLength(3)
    expect(() => s.addMuteInterval(id, { start: T0 + 44_000, end: T0 + 50_000 })).toThrow(/overlaps/)
    expect(s.setMuteIntervals(id, [])).toEqual([])
  })

  it('closes the interval of a session its crashed recorder left muted, at the session’s end', () => {
    const dir = tempDir()
    const s = store(dir)
    const id = s.createSession({ name: 'crashed' }, T0).id
    s.appendEvents(id, [{ t: T0 + 9000, kind: 'info', detail: null }])
    s.setMuted(id, true, T0 + 2000)
    // As if its recording process had died: another pid owns it.
    s.db.prepare(`UPDATE sessions SET owner_pid = 2147483646, owner_start = 1 WHERE id = ?`).run(id)
    s.close()
    const again = store(dir)
    expect(again.getSession(id).status).toBe('interrupted')
    expect(again.muteIntervals(id)).toEqual([{ start: T0 + 2000, end: T0 + 9000 }])
  })
})

/** Seconds of two processes reading through two APIs, with and without a sample format. */
const lane: MicAccessSecond[] = [
  micSecond(T0 + 1000, { rmsDbfs: -20.5, peakDbfs: -3 }),
  micSecond(T0 + 1000, { pid: 8, api: 'snd_pcm_readi', ...noReads }),
  micSecond(T0 + 2000, { reads: 49, frames: 47_040, bytes: 188_160, rmsDbfs: -120, peakDbfs: -120 }),
]

describe('session bundles with the mic-access lane', () => {
  it('round-trip the mic-access seconds and the muted intervals', async () => {
    const s = store()
    const id = s.createSession({ name: 'mic' }, T0).id
    const w = new SessionWriter(s, id, null)
    for (const r of lane) w.addMicAccess(r)
    w.flush()
    s.setMuted(id, true, T0 + 500)
    s.setMuted(id, false, T0 + 1800)
    s.setMuted(id, true, T0 + 2500)
    s.finishSession(id, 'completed', 'stopped', T0 + 3000)
    const file = join(tempDir(), 'mic.jsonl.gz')
    await exportBundle(s, id, file)
    const lines = gunzipSync(readFileSync(file)).toString().trimEnd().split('\n')
    expect(JSON.parse(lines[lines.length - 1]).end).toMatchObject({ micAccess: 3, muteIntervals: 2 })
    const other = store()
    const copy = await importBundle(other, file)
    expect(other.micAccess(copy.id)).toEqual(s.micAccess(id))
    expect(other.muteIntervals(copy.id)).toEqual([
      { start: T0 + 500, end: T0 + 1800 },
      { start: T0 + 2500, end: T0 + 3000 },
    ])
  })

  it('still import version 2 bundles, which have neither table nor count for them', async () => {
    const s = store()
    const id = s.createSession({ name: 'old' }, T0).id
    s.appendLevelSeconds(id, [{ t: T0, level: -30 }])
    s.finishSession(id, 'completed', null, T0 + 1000)
    const file = join(tempDir(), 'v3.gz')
    await exportBundle(s, id, file)
    const [head, ...rest] = gunzipSync(readFileSync(file)).toString().trimEnd().split('\n')
    const end = JSON.parse(rest.pop()!)
    delete end.end.micAccess
    delete end.end.muteIntervals
    const v2 = join(tempDir(), 'v2.gz')
    writeFileSync(
      v2,
      gzipSync([head.replace('"version":3', '"version":2'), ...rest, JSON.stringify(end)].join('\n') + '\n'),
    )
    const copy = await importBundle(s, v2)
    expect(s.levelSeconds(copy.id)).toEqual([{ t: T0, level: -30 }])
    expect(s.micAccess(copy.id)).toEqual([])
    expect(s.muteIntervals(copy.id)).toEqual([])
  })

  it('refuse a bundle whose muted intervals overlap, leaving nothing behind', async () => {
    const s = store()
    const id = s.createSession({ name: 'bad' }, T0).id
    s.setMuteIntervals(id, [{ start: T0 + 1000, end: T0 + 5000 }])
    s.finishSession(id, 'completed', null, T0 + 9000)
    const file = join(tempDir(), 'b.gz')
    await exportBundle(s, id, file)
    const lines = gunzipSync(readFileSync(file)).toString().trimEnd().split('\n')
    const end = JSON.parse(lines.pop()!)
    end.end.muteIntervals = 2
    lines.push(JSON.stringify({ muteIntervals: { start: T0 + 4000, end: T0 + 6000 } }), JSON.stringify(end))
    const bad = join(tempDir(), 'bad.gz')
    writeFileSync(bad, gzipSync(lines.join('\n') + '\n'))
    const before = s.listSessions().length
    await expect(importBundle(s, bad)).rejects.toThrow(/bundle is damaged: muted interval 2 .*overlaps/)
    expect(s.listSessions()).toHaveLength(before)
  })
})
