import { mkdirSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/core/app'
import { synth, tempDir } from './helpers'

const path = tempDir()
mkdirSync(path('data'))
const app = createApp({ dataDir: path('data'), transport: 'web' })
afterAll(() => app.close())

describe('audio requests through the dispatcher', () => {
  it('fileLevels and probeAudio answer with the contract shapes', async () => {
    const file = path('tone.wav')
    synth(file, '-r 44100 -c 1 -b 16', 3, 'sine 1000 vol 0.5')
    const levels = await app.dispatch('fileLevels', { file, windowS: 1, weighting: 'C' })
    expect(levels).toMatchObject({ ok: true, result: { sampleRate: 44100, weighting: 'C', durationS: 3 } })
    if (levels.ok) expect((levels.result as { overall: { leq: number } }).overall.leq).toBeCloseTo(-9.03, 1)
    expect(await app.dispatch('probeAudio', { file })).toMatchObject({
      ok: true,
      result: { sampleRate: 44100, channels: 1, decoder: 'wav', codec: 'pcm16' },
    })
  })

  it('returns a bad file as a user error naming the fix', async () => {
    const file = path('empty.wav')
    writeFileSync(file, '')
    expect(await app.dispatch('fileLevels', { file })).toEqual({
      ok: false,
      error: { code: 'empty', message: `${file} is empty (0 bytes); copy or export it again` },
    })
    expect(await app.dispatch('fileLevels', { file, weighting: 'B' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    })
  })
})
