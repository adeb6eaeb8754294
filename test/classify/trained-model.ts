import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { SavedModel } from '../../src/shared/contract/classify'
import { referenceData, runCli } from '../support/helpers'

export const paperGains = join(referenceData, 'paper-gains')

/**
 * Trains the authors' CNN for a few epochs on their data with the CLI, saving the model in `dataDir`; returns
 * it as saved and its file. Real training, kept short: the tests that use it need a model, not a good one.
 */
export function trainModel(dataDir: string, epochs: number, window = 3): { model: SavedModel; file: string } {
  const args = [
    'classify',
    'train',
    '--window',
    String(window),
    '--epochs',
    String(epochs),
    '--data',
    paperGains,
  ]
  const r = runCli(args, { dataDir, timeoutMs: 180_000 })
  expect(r.status, r.stderr).toBe(0)
  const id = /saved model (\S+)/.exec(r.stderr)![1]
  const file = join(dataDir, 'classifier-models', `${id}.json`)
  expect(readdirSync(join(dataDir, 'classifier-models'))).toContain(`${id}.json`)
  return { model: JSON.parse(readFileSync(file, 'utf8')) as SavedModel, file }
}
