import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/core/app'
import { SessionStore } from '../../src/core/store/session-store'
import { runCli, tempDir } from '../support/helpers'
import { paperGains, trainModel } from './trained-model'

/** Sessions whose gains records come every `everyS` seconds; `storedS` is the interval the session keeps. */
function seed(dataDir: string, runs: { everyS: number; storedS: number | null; records: number }[]) {
  const store = SessionStore.open({ dir: dataDir })
  const ids = runs.map(({ everyS, storedS, records }) => {
    const id = store.createSession({
      name: `every ${everyS} s`,
      activity: 'dog barking',
      intervalS: storedS,
    }).id
    store.appendTelemetry(
      id,
      Array.from({ length: records }, (_, i) => ({
        t: 1_700_000_000_000 + Math.round(everyS * 1000 * (i + 1)),
        host: 'h',
        path: '/metric/v1',
        conn: 'c',
        fields: { audioMaxGain: 38, audioMeanGain: 28 + (i % 3), audioMinGain: 15 },
      })),
    )
    return id
  })
  store.close()
  return ids
}

describe('the classifier refuses sessions whose records are not one a minute', () => {
  const dataDir = tempDir('mutescope-minutes-')
  const [fiveStored, fiveInferred, minute, jittered] = seed(dataDir, [
    { everyS: 5, storedS: 5, records: 12 },
    { everyS: 5, storedS: null, records: 12 },
    { everyS: 60, storedS: 60, records: 5 },
    { everyS: 61.5, storedS: null, records: 4 },
  ])
  trainModel(dataDir, 1)
  const refusal = (id: number, every: number) =>
    new RegExp(
      `session ${id} has a gains record every ${every} s, but the classifier learned from one record a minute ` +
        `\\(Webex's interval\\), so its last 3 records are not 3 minutes; classify a session recorded with a 60 s ` +
        'telemetry interval',
    )

  it('from the CLI, whether the interval was stored or is read from the timestamps', () => {
    for (const id of [fiveStored, fiveInferred]) {
      const r = runCli(['classify', 'predict', String(id)], { dataDir })
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(refusal(id, 5))
      expect(r.stdout).toBe('')
    }
    const ok = runCli(['classify', 'predict', String(minute)], { dataDir })
    expect(ok.status, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/last 3 of 5 minutes/)
    // Clocks jitter: 61.5 s apart is still one record a minute.
    expect(runCli(['classify', 'predict', String(jittered), '--json'], { dataDir }).status).toBe(0)
  })

  it('through the API, with a code the UI can tell apart', async () => {
    const app = createApp({ dataDir, transport: 'web' })
    try {
      const refused = await app.dispatch('classifyPredict', { sessionId: fiveStored })
      expect(refused).toMatchObject({ ok: false, error: { code: 'not_minutes' } })
      expect((refused as { error: { message: string } }).error.message).toMatch(refusal(fiveStored, 5))
      const ok = await app.dispatch('classifyPredict', { sessionId: minute })
      expect(ok).toMatchObject({ ok: true, result: { sessionId: minute, window: 3, records: 5 } })
    } finally {
      app.close()
    }
  })

  it('as training data too', () => {
    const r = runCli(
      [
        'classify',
        'train',
        '--window',
        '3',
        '--epochs',
        '1',
        '--data',
        paperGains,
        '--sessions',
        String(fiveStored),
      ],
      { dataDir, timeoutMs: 180_000 },
    )
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(
      new RegExp(
        `session ${fiveStored} has a gains record every 5 s, but the classifier learns from one record a minute ` +
          "\\(Webex's interval\\); use sessions recorded with a 60 s telemetry interval as data",
      ),
    )
  })
})
