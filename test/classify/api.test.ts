import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { classifyHandlers } from '../../src/core/api/classify'
import { EventHub } from '../../src/core/api/event-hub'
import { JobRunner } from '../../src/core/jobs/runner'
import { SessionStore } from '../../src/core/store/session-store'
import { classifyEvents, classifyRequests } from '../../src/shared/contract/classify'
import { referenceData, tempDir } from '../support/helpers'

const data = join(referenceData, 'paper-gains')

function setup() {
  const dataDir = tempDir()
  const store = SessionStore.open({ dir: dataDir })
  const events = new EventHub()
  const seen: { name: string; payload: unknown }[] = []
  events.subscribe((name, payload) => seen.push({ name, payload }))
  const jobs = new JobRunner()
  return { dataDir, store, events, seen, h: classifyHandlers({ store, events, dataDir, jobs }) }
}

function done(events: EventHub, jobId: string) {
  return new Promise<{ model: unknown; error: string | null }>((resolve) => {
    const off = events.subscribe((name, payload) => {
      const p = payload as { jobId: string; model: unknown; error: string | null }
      if (name === 'classifyDone' && p.jobId === jobId) {
        off()
        resolve(p)
      }
    })
  })
}

describe('classifier API', () => {
  it('summarises the dataset as the contract says', () => {
    const { h } = setup()
    const out = classifyRequests.classifyDataset.output.parse(
      h.classifyDataset({ data, window: 7, sessions: [], sessionsSet: 'dev' }),
    )
    expect(out.rows[0].minutes.reduce((a, b) => a + b)).toBe(3403)
  })

  it('trains on a worker thread with progress events, then saves and predicts', async () => {
    const { h, events, seen, store } = setup()
    const job = classifyRequests.classifyStartTraining.output.parse(
      h.classifyStartTraining({
        data,
        window: 3,
        epochs: 40,
        batch: 500,
        seed: 1,
        split: 'random',
        sessions: [],
        sessionsSet: 'dev',
      }),
    )
    expect(() =>
      h.classifyStartTraining({
        data,
        window: 3,
        epochs: 1,
        batch: 500,
        seed: 1,
        split: 'random',
        sessions: [],
        sessionsSet: 'dev',
      }),
    ).toThrow(/already running/)
    let ticks = 0
    const timer = setInterval(() => ticks++, 0)
    const end = await done(events, job.jobId)
    clearInterval(timer)
    expect(end.error).toBeNull()
    // The event loop turned while the model trained.
    expect(ticks).toBeGreaterThan(10)
    const progress = seen
      .filter((e) => e.name === 'classifyProgress')
      .map((e) => classifyEvents.classifyProgress.parse(e.payload))
    expect(progress.map((p) => p.epoch)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect(await h.classifyTrainingStatus({})).toBeNull()

    const models = classifyRequests.classifyListModels.output.parse(await h.classifyListModels({}))
    expect(models).toHaveLength(1)
    expect(models[0]).toMatchObject({ window: 3, epochs: 40, seed: 1, split: 'random' })
    const detail = classifyRequests.classifyGetModel.output.parse(
      await h.classifyGetModel({ id: models[0].id }),
    )
    expect(detail.history).toHaveLength(40)

    const id = store.createSession({ name: 'live', activity: 'dog barking' }).id
    const rec = (i: number, g: number[]) => ({
      t: 60_000 * i, // one record a minute, as the model was trained on
      host: null,
      path: null,
      conn: null,
      fields: { audioMaxGain: g[0], audioMeanGain: g[1], audioMinGain: g[2] },
    })
    store.appendTelemetry(id, [rec(1, [30, 20, 10])])
    await expect(h.classifyPredict({ sessionId: id })).rejects.toThrow(
      /has 1 gains record but model .* needs 3/,
    )
    store.appendTelemetry(id, [
      rec(2, [99, 1, 1]),
      rec(3, [40, 30, 20]),
      rec(4, [41, 31, 21]),
      rec(5, [42, 32, 22]),
    ])
    const p = classifyRequests.classifyPredict.output.parse(await h.classifyPredict({ sessionId: id }))
    // Only the latest n=3 records are classified.
    expect(p.gains).toEqual([
      [40, 30, 20],
      [41, 31, 21],
      [42, 32, 22],
    ])
    expect(p.records).toBe(5)
    expect(p.probabilities.reduce((a, x) => a + x.p, 0)).toBeCloseTo(1, 5)
    expect(p.predicted).toBe([...p.probabilities].sort((a, b) => b.p - a.p)[0].label)

    expect(await h.classifyDeleteModel({ id: models[0].id })).toEqual({ deleted: models[0].id })
    await expect(h.classifyPredict({ sessionId: id })).rejects.toThrow(/no trained model yet/)
  }, 120_000)

  it('cancels a running training without saving', async () => {
    const { h, events } = setup()
    const job = await h.classifyStartTraining({
      data,
      window: 7,
      epochs: 5000,
      batch: 500,
      seed: 1,
      split: 'random',
      sessions: [],
      sessionsSet: 'dev',
    })
    const end = done(events, job.jobId)
    expect(h.classifyCancelTraining({ jobId: job.jobId })).toEqual({ cancelled: true })
    expect((await end).error).toMatch(/cancelled/)
    expect(await h.classifyListModels({})).toEqual([])
  })
})
