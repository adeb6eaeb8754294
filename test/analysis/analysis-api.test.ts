import { PNG } from 'pngjs'
import { afterAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/core/app'
import type { AnalysisResult } from '../../src/shared/contract/analysis'
import { tempDir } from '../support/helpers'
import { writeSyntheticSession } from './synthetic-session'

const app = createApp({ dataDir: tempDir(), transport: 'web' })
afterAll(() => app.close())
const s = writeSyntheticSession(app.store, { intervalS: 10, records: 20, lagS: 4, seed: 41 })

describe('analysis requests through the dispatcher', () => {
  it('analyzeSession takes alignment options and returns the validated result', async () => {
    const reply = await app.dispatch('analyzeSession', { id: s.id, bestLag: true, lagRangeS: 6 })
    expect(reply.ok).toBe(true)
    const result = (reply as { result: AnalysisResult }).result
    expect(result.bestLag?.lagS).toBe(4)
    expect(result.pairs).toHaveLength(20)
    expect(result.laeq.pearson.mean?.r).toBeCloseTo(-1, 12)
  })

  it('exportPlot returns SVG and CSV as text and PNG as base64', async () => {
    const svg = await app.dispatch('exportPlot', { id: s.id, format: 'svg', align: { lagS: 4 } })
    expect(svg).toMatchObject({ ok: true, result: { encoding: 'utf8', mimeType: 'image/svg+xml' } })
    expect((svg as { result: { data: string } }).result.data).toContain('mean gain: r = -1.00, n = 20')
    const png = await app.dispatch('exportPlot', {
      id: s.id,
      format: 'png',
      plot: { width: 300, height: 200 },
    })
    const image = PNG.sync.read(Buffer.from((png as { result: { data: string } }).result.data, 'base64'))
    expect([image.width, image.height]).toEqual([600, 400])
    const csv = await app.dispatch('exportPlot', { id: s.id, format: 'csv' })
    expect((csv as { result: { data: string } }).result.data.split('\r\n')[0]).toMatch(/^t,time_iso,/)
  })

  it('levelTrace decimates the one-second levels to the requested width', async () => {
    const reply = await app.dispatch('levelTrace', { id: s.id, width: 20 })
    const { total, points } = (reply as { result: { total: number; points: unknown[] } }).result
    expect(total).toBe(s.seconds.length)
    expect(points.length).toBeLessThanOrEqual(40)
    expect(points.length).toBeGreaterThan(20)
  })

  it('bad input comes back as a message, not an exception', async () => {
    expect(await app.dispatch('analyzeSession', { id: s.id, method: 'sliding' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    })
    expect(await app.dispatch('analyzeSession', { id: s.id, offsetS: 7200 })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/only 0 of 20 telemetry intervals/) },
    })
    expect(await app.dispatch('levelTrace', { id: 4242, width: 10 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    })
  })
})
