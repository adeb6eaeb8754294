import { copyFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { CLASS_NAMES } from '../../src/shared/contract/classify'
import { runCli, referenceData, tempDir } from '../support/helpers'

const data = join(referenceData, 'paper-gains')

/** A data directory holding a session with `minutes` gains records and the given activity label. */
function withSession(activity: string, minutes: number): { dataDir: string; id: number } {
  const dataDir = tempDir()
  const store = SessionStore.open({ dir: dataDir })
  const id = store.createSession({ name: 'muted call', activity, distanceCm: 10 }).id
  store.appendTelemetry(
    id,
    Array.from({ length: minutes }, (_, i) => ({
      t: 60_000 * i,
      host: 'h',
      path: '/metric/v1',
      conn: 'c',
      fields: { audioMaxGain: 38, audioMeanGain: 28 + (i % 3), audioMinGain: 15 },
    })),
  )
  store.close()
  return { dataDir, id }
}

describe('mutescope classify', () => {
  it('trains, prints one JSON line of the issue shape, saves the model and predicts a session with it', () => {
    const { dataDir, id } = withSession('classical music', 6)
    const r = runCli(
      ['classify', 'train', '--window', '3', '--data', data, '--epochs', '20', '--seed', '2', '--json'],
      {
        dataDir,
      },
    )
    expect(r.status).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const out = JSON.parse(lines[0])
    expect(Object.keys(out)).toEqual(['window', 'counts', 'validation', 'eval1', 'eval2', 'trainSeconds'])
    expect(out.window).toBe(3)
    expect(out.counts).toEqual({ train: 2695, validation: 674, eval1: 4846, eval2: 2788 })
    expect(Object.keys(out.validation)).toEqual(['precision', 'accuracy'])
    for (const set of [out.eval1, out.eval2]) {
      expect(Object.keys(set)).toEqual(['macroAccuracy', 'meanPrecision', 'perClass', 'confusion'])
      expect(set.perClass.map((c: { label: string }) => c.label)).toEqual(CLASS_NAMES)
      for (const row of set.confusion)
        expect(row.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 9)
    }
    expect(r.stderr).toMatch(/epoch 20\/20 .*\nsaved model n3-b500-s2-random-/)
    expect(readdirSync(join(dataDir, 'classifier-models'))).toHaveLength(1)

    const models = JSON.parse(runCli(['classify', 'models', '--json'], { dataDir }).stdout)
    expect(models).toHaveLength(1)
    const p = runCli(['classify', 'predict', String(id), '--model', models[0].id, '--json'], { dataDir })
    expect(p.status).toBe(0)
    const prediction = JSON.parse(p.stdout)
    expect(prediction).toMatchObject({ sessionId: id, modelId: models[0].id, window: 3, records: 6 })
    expect(prediction.probabilities).toHaveLength(6)
  })

  it('prints the dataset summary (Table 3)', () => {
    const r = runCli(['classify', 'dataset', '--window', '10', '--data', data, '--json'], {
      dataDir: tempDir(),
    })
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.rows.map((row: { clips: number[] }) => row.clips.reduce((a, b) => a + b))).toEqual([
      3403 - 17 * 9,
      4882 - 18 * 9,
      2800 - 6 * 9,
    ])
  })

  it('rejects a malformed data file, naming file and line', () => {
    const dir = tempDir()
    for (const f of readdirSync(data)) copyFileSync(join(data, f), join(dir, f))
    writeFileSync(
      join(dir, 'old_data_25cm.txt'),
      './youtube_vids/dog_barking.mp4.wav\nMaxs:[1, 2]\nMeans:[1, 2]\nMins:[1, oops]\n',
    )
    const r = runCli(['classify', 'train', '--window', '7', '--data', dir, '--epochs', '1'], {
      dataDir: tempDir(),
    })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/old_data_25cm\.txt:4: "oops" in Mins is not a whole number; fix the data file/)
    expect(r.stderr).not.toMatch(/at \w+ \(/)
  })

  it('rejects a session with fewer records than the window', () => {
    const { dataDir, id } = withSession('dog barking', 2)
    expect(
      runCli(['classify', 'train', '--window', '3', '--data', data, '--epochs', '1'], { dataDir }).status,
    ).toBe(0)
    const r = runCli(['classify', 'predict', String(id)], { dataDir })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/session \d+ has 2 gains records but model n3-\S+ needs 3 \(one per minute\)/)
  })

  it('rejects an unknown activity label of a session used as data', () => {
    const { dataDir, id } = withSession('juggling', 20)
    const r = runCli(
      ['classify', 'train', '--window', '7', '--data', data, '--sessions', String(id), '--epochs', '1'],
      {
        dataDir,
      },
    )
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(
      /unknown activity label "juggling"; use one of: classical music, cooking or eating/,
    )
  })

  it('rejects bad flags with a message naming them', () => {
    const dataDir = tempDir()
    const cases: [string[], RegExp][] = [
      [['--window', '2'], /--window must be at least 3/],
      [['--window', '7', '--batch', '0'], /--batch must be a positive whole number/],
      [['--window', '7', '--split', 'sideways'], /--split must be random or leakfree/],
      [['--window', '7', '--data', join(dataDir, 'none')], /no data folder .* choose the data folder/],
    ]
    for (const [args, message] of cases) {
      const r = runCli(['classify', 'train', ...args], { dataDir })
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(message)
    }
    expect(runCli(['classify', 'predict', '1'], { dataDir }).stderr).toMatch(
      /no trained model yet; run "mutescope classify train/,
    )
  })
})
