import { afterAll, describe, expect, it } from 'vitest'
import { LevelTimeline } from '../../src/core/analysis/levels'
import { micCorrelation } from '../../src/core/analysis/mic-correlation'
import { mutedAt, mutedReads } from '../../src/core/analysis/mic-summary'
import { createApp } from '../../src/core/app'
import { SessionWriter } from '../../src/core/store/session-writer'
import type { Reply } from '../../src/shared/contract'
import type { MicReview } from '../../src/shared/contract/mic-review'
import type { LevelSecond, MicAccessSecond } from '../../src/shared/model'
import { tempDir } from '../support/helpers'
import { micSecond, noReads } from '../support/mic-seconds'

const T0 = 1_700_000_000_000
const s = (k: number) => T0 + k * 1000

const second = (k: number, over: Partial<MicAccessSecond> = {}) => micSecond(s(k), over)

describe('what the app read while muted', () => {
  it('counts a second by its middle; an open interval lasts until now', () => {
    const intervals = [
      { start: s(2), end: s(4) },
      { start: s(10), end: null },
    ]
    // Seconds [0, 1), [1, 2) ... [500, 501): their middles decide.
    expect([0, 1, 2, 3, 4, 9, 10, 500].map((k) => mutedAt(intervals, s(k)))).toEqual([
      false,
      false,
      true,
      true,
      false,
      false,
      true,
      true,
    ])
    expect(mutedAt([], s(3))).toBe(false)
  })

  it('says per process and API the seconds, reads per second and energy-mean RMS of the muted reads', () => {
    const rows = [
      second(0, { rmsDbfs: -60 }), // before the interval: left out
      second(10, { reads: 49, rmsDbfs: -20, peakDbfs: -4 }),
      second(11, { reads: 50, rmsDbfs: -40, peakDbfs: -9 }),
      second(12, noReads),
      second(11, { pid: 8, api: 'snd_pcm_readi', ...noReads }),
      second(13, { pid: 9, api: 'AudioUnitRender', reads: 10, rmsDbfs: null, peakDbfs: null }),
    ]
    const out = mutedReads(rows, [{ start: s(10), end: s(20) }], new Map([[7, 'parec']]))
    expect(out.map((m) => [m.pid, m.api, m.readS, m.reads, m.mutedS])).toEqual([
      [7, 'pa_stream_peek', 2, 99, 10],
      [8, 'snd_pcm_readi', 0, 0, 10],
      [9, 'AudioUnitRender', 1, 10, 10],
    ])
    // Energy mean of -20 and -40 dBFS over equal frames: 10 lg((0.01 + 0.0001) / 2).
    expect(out[0].rmsDbfs).toBeCloseTo(10 * Math.log10((0.01 + 0.0001) / 2), 9)
    expect(out[0].peakDbfs).toBe(-4)
    expect(out[0].sentence).toBe(
      'parec (pid 7) via pa_stream_peek: in 10 s muted, the app read 2 s of audio from the microphone ' +
        '(49.5 reads/s), RMS \u221223.0 dBFS',
    )
    expect(out[1].sentence).toMatch(
      /process \(pid 8\) via snd_pcm_readi: .*read 0 s of audio .*\(0\.0 reads\/s\), no RMS \(nothing was read\)/,
    )
    expect(out[2].sentence).toMatch(/RMS unknown \(the API does not give the sample format\)/)
    expect(mutedReads(rows, [], new Map())).toEqual([])
  })

  it('weights each second’s RMS by the frames it read', () => {
    const rows = [
      second(0, { frames: 3 * 48_000, rmsDbfs: -10 }),
      second(1, { frames: 48_000, rmsDbfs: -30 }),
    ]
    const [m] = mutedReads(rows, [{ start: s(0), end: s(2) }], new Map())
    expect(m.rmsDbfs).toBeCloseTo(10 * Math.log10((3 * 0.1 + 0.001) / 4), 9)
  })
})

/** Played levels stepping every 5 s, and what an app read of them: the same steps 12 dB down, with a wobble. */
function steppedSession(seconds: number) {
  const step = (k: number) => -45 + 10 * (Math.floor(k / 5) % 4)
  const levels: LevelSecond[] = Array.from({ length: seconds }, (_, k) => ({ t: s(k), level: step(k) }))
  const rows = Array.from({ length: seconds }, (_, k) =>
    second(k, { rmsDbfs: step(k) - 12 + 0.3 * Math.sin(k), peakDbfs: step(k) - 3 }),
  )
  return { levels, rows }
}

describe('the correlation of the app-read RMS with the played LAeq', () => {
  it('pairs each interval’s LAeq with the RMS the app read in it, per process and API', () => {
    const { levels, rows } = steppedSession(60)
    // A second stream that read only during the first half, and nothing with a sample format at all.
    const half = rows.slice(0, 30).map((r) => ({ ...r, pid: 8, api: 'snd_pcm_readi' }))
    const none = rows.map((r) => ({ ...r, pid: 9, api: 'Pa_ReadStream', rmsDbfs: null }))
    const c = micCorrelation([...rows, ...half, ...none], new LevelTimeline(levels, []), new Map(), {
      intervalS: 5,
      playbackStartT: s(0),
      endT: s(60),
      minCoverage: 0.9,
    })
    const [full, partial, blind] = c.streams
    expect(full.pairs).toHaveLength(12)
    expect(full.pearson!.r).toBeGreaterThan(0.99)
    expect(full.pairs[1]).toMatchObject({ startT: s(5), endT: s(10) })
    expect(full.pairs[1].laeq).toBeCloseTo(-35, 9)
    expect(partial.pairs).toHaveLength(6)
    expect(partial.pearson!.n).toBe(6)
    expect(blind.pairs).toEqual([])
    expect(blind.pearson).toBeNull()
  })
})

describe('the mic-access review over the API', () => {
  const app = createApp({ dataDir: tempDir(), transport: 'web' })
  afterAll(() => app.close())
  async function call<T>(method: string, payload: unknown): Promise<T> {
    const reply: Reply = await app.dispatch(method, payload)
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`)
    return reply.result as T
  }

  function seeded(): number {
    const { store } = app
    const { levels, rows } = steppedSession(60)
    const id = store.createSession({ name: 'mic review', intervalS: 5 }, s(0)).id
    store.appendLevelSeconds(id, levels)
    store.appendEvents(id, [
      { t: s(0), kind: 'playback-start', detail: null },
      { t: s(0), kind: 'attach', detail: { pid: 7, name: 'parec' } },
    ])
    const w = new SessionWriter(store, id, null)
    for (const r of rows) w.addMicAccess(r)
    w.flush()
    store.finishSession(id, 'completed', null, s(61))
    return id
  }

  it('edits the muted intervals, states the summary and correlation, and exports both', async () => {
    const id = seeded()
    await expect(call('setMuteIntervals', { id, intervals: [{ start: s(50), end: s(70) }] })).rejects.toThrow(
      /invalid_intervals: muted interval 1 \(from 50\.0 s\) ends after the session \(61\.0 s\)/,
    )
    const saved = await call<{ intervals: unknown[] }>('setMuteIntervals', {
      id,
      intervals: [{ start: s(20), end: s(30) }],
    })
    expect(saved.intervals).toEqual([{ start: s(20), end: s(30) }])
    const review = await call<MicReview>('micReview', { id, width: 20 })
    expect(review.total).toBe(60)
    expect(review.lane[0]).toMatchObject({ pid: 7, api: 'pa_stream_peek', name: 'parec' })
    expect(review.lane[0].reads.length).toBeLessThanOrEqual(40)
    expect(review.muted).toHaveLength(1)
    expect(review.muted[0].sentence).toMatch(
      /^parec \(pid 7\) via pa_stream_peek: in 10 s muted, the app read 10 s of audio from the microphone \(50\.0 reads\/s\), RMS \u2212\d+\.\d dBFS$/,
    )
    expect(review.correlation!.streams[0].pearson!.r).toBeGreaterThan(0.99)
    expect(review.correlationError).toBeNull()

    const csv = await call<{ fileName: string; data: string }>('exportMicAccess', { id, format: 'csv' })
    const lines = csv.data.trimEnd().split('\r\n')
    expect(csv.fileName).toBe(`mutescope-session-${id}-mic-access.csv`)
    expect(lines[0]).toBe('t,time_iso,pid,process,api,reads,frames,bytes,rms_dbfs,peak_dbfs,muted')
    expect(lines).toHaveLength(61)
    expect(lines.filter((l) => l.endsWith(',1'))).toHaveLength(10)
    const json = JSON.parse((await call<{ data: string }>('exportMicAccess', { id, format: 'json' })).data)
    expect(json.muteIntervals).toEqual([{ start: s(20), end: s(30) }])
    expect(json.muted[0].sentence).toBe(review.muted[0].sentence)
    expect(json.seconds).toHaveLength(60)
    expect(json.correlation.streams[0].pairs).toHaveLength(12)
  })

  it('says why there is no correlation, and refuses to mute with no experiment running', async () => {
    const id = app.store.createSession({ name: 'empty' }).id
    const review = await call<MicReview>('micReview', { id, width: 100 })
    expect(review).toMatchObject({ total: 0, lane: [], muted: [], correlation: null })
    expect(review.correlationError).toMatch(/no mic-access seconds were recorded/)
    await expect(call('muteExperiment', { muted: true })).rejects.toThrow(/idle: no experiment is running/)
    await expect(call('micReview', { id: 99_999, width: 10 })).rejects.toThrow(/not_found/)
  })
})
