import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { savedModel, type ModelSummary, type SavedModel } from '../../shared/contract/classify'
import { UserError } from '../errors'
import { dataDir } from '../paths'
import { CLASS_NAMES } from './labels'
import { layout } from './layout'
import type { TrainOutcome } from './train'

/** Trained models live in the data directory, one JSON file each, so they survive and can be reused. */
export function modelsDir(base = dataDir()): string {
  const dir = join(base, 'classifier-models')
  mkdirSync(dir, { recursive: true })
  return dir
}

const ID = /^[A-Za-z0-9._-]{1,200}$/

function modelPath(id: string, base?: string): string {
  if (!ID.test(id))
    throw new UserError(`"${id}" is not a model id; run "mutescope classify models" to list them`)
  return join(modelsDir(base), `${id}.json`)
}

export function saveModel(outcome: TrainOutcome, data: string, base?: string): SavedModel {
  const createdAt = Date.now()
  const id = `n${outcome.window}-b${outcome.batch}-s${outcome.seed}-${outcome.split}-${createdAt}`
  const { params, history, ...rest } = outcome
  const model: SavedModel = savedModel.parse({
    ...rest,
    format: 'mutescope-classifier-1',
    id,
    createdAt,
    data,
    labels: [...CLASS_NAMES],
    history,
    params: Array.from(params),
  })
  const path = modelPath(id, base)
  // Written whole then renamed, so a crash never leaves a half model that loads.
  writeFileSync(`${path}.tmp`, JSON.stringify(model))
  renameSync(`${path}.tmp`, path)
  return model
}

function parseModel(text: string, where: string): SavedModel {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new UserError(`${where} is not valid JSON; delete it or train a new model`)
  }
  const parsed = savedModel.safeParse(json)
  if (!parsed.success || parsed.data.params.length !== layout(parsed.data.window).size) {
    throw new UserError(`${where} is not a MuteScope classifier model; delete it or train again`)
  }
  return parsed.data
}

export function loadModel(id: string, base?: string): SavedModel {
  const path = modelPath(id, base)
  if (!existsSync(path))
    throw new UserError(`no model "${id}"; run "mutescope classify models" to list them`, 'not_found')
  return parseModel(readFileSync(path, 'utf8'), path)
}

/** A model file copied from elsewhere (e.g. a colleague's classifier-models/ID.json), checked as loadModel does. */
export function readModelFile(file: string): SavedModel {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new UserError(`cannot read the model file ${file}: ${(err as Error).message}`)
  }
  return parseModel(text, file)
}

export function summaryOf(model: SavedModel): ModelSummary {
  const { params: _params, history: _history, format: _format, labels: _labels, ...summary } = model
  return summary
}

/** Saved models, newest first, without their parameters. Unreadable files are skipped. */
export function listModels(base?: string): ModelSummary[] {
  const dir = modelsDir(base)
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [summaryOf(parseModel(readFileSync(join(dir, f), 'utf8'), f))]
      } catch {
        return []
      }
    })
    .sort((a, b) => b.createdAt - a.createdAt)
}

/** The model to use when none is named: the newest one. */
export function defaultModel(base?: string): SavedModel {
  const [newest] = listModels(base)
  if (!newest) throw new UserError('no trained model yet; run "mutescope classify train --window 7" first')
  return loadModel(newest.id, base)
}

export function deleteModel(id: string, base?: string): void {
  const path = modelPath(id, base)
  if (!existsSync(path))
    throw new UserError(`no model "${id}"; run "mutescope classify models" to list them`, 'not_found')
  rmSync(path)
}
