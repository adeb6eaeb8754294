import type { Command } from 'commander'
import { readFileSync } from 'node:fs'
import {
  BATCH_SIZES,
  CLASS_NAMES,
  PAPER_RESULTS,
  WINDOW_SIZES,
  type SetMetrics,
} from '../../shared/contract/classify'
import { loadDataset, SET_NAMES, summarize, type SetName } from '../../core/classify/dataset'
import { AUTHORS_LABEL_MAPPING, parseLabelMapping } from '../../core/classify/labels'
import { defaultModel, listModels, loadModel, saveModel } from '../../core/classify/models'
import { UserError } from '../../core/errors'
import { SessionStore } from '../../core/store/session-store'
import { action, positiveInt, printJsonLine } from '../action'

interface DataOpts {
  data?: string
  sessions?: string
  sessionsSet: string
  labels?: string
}

function mappingOf(file: string | undefined) {
  if (file === undefined) return AUTHORS_LABEL_MAPPING
  try {
    return parseLabelMapping(readFileSync(file, 'utf8'))
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${file}: ${err.message}`)
    throw new UserError(`cannot read the label mapping ${file}: ${(err as Error).message}`)
  }
}

/** Loads the data the options name; opens the session store only when sessions are asked for. */
function datasetOf(opts: DataOpts) {
  if (!(SET_NAMES as string[]).includes(opts.sessionsSet)) {
    throw new UserError(`--sessions-set must be one of ${SET_NAMES.join(', ')}, got "${opts.sessionsSet}"`)
  }
  const ids = opts.sessions ? opts.sessions.split(',').map((s) => positiveInt('--sessions id')(s.trim())) : []
  const src = { data: opts.data, sessions: ids, sessionsSet: opts.sessionsSet as SetName }
  const mapping = mappingOf(opts.labels)
  if (ids.length === 0) return loadDataset(src, undefined, mapping)
  const store = SessionStore.open()
  try {
    return loadDataset(src, store, mapping)
  } finally {
    store.close()
  }
}

function windowOf(raw: string): number {
  const n = positiveInt('--window')(raw)
  if (n < 3) throw new UserError(`--window must be at least 3 (two kernel-2 convolutions), got ${n}`)
  return n
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '   -  ' : `${(x * 100).toFixed(2)}%`

/** The result line: only what the paper reports, per set. */
function evalLine(m: SetMetrics) {
  return {
    macroAccuracy: m.macroAccuracy,
    meanPrecision: m.meanPrecision,
    perClass: m.perClass,
    confusion: m.confusion,
  }
}

function withDataOptions(cmd: Command): Command {
  return cmd
    .option(
      '--data <dir>',
      "folder holding the authors' seven files (default: paper-gains/ of the reference data that `mutescope data fetch` stored)",
    )
    .option('--sessions <ids>', 'labelled sessions of the store to add, comma separated')
    .option('--sessions-set <set>', `set the sessions join: ${SET_NAMES.join(', ')}`, 'dev')
    .option('--labels <file>', 'label mapping JSON: [{"index": 0, "contains": ["classical_music"]}, ...]')
}

export function registerClassify(program: Command): void {
  const classify = program
    .command('classify')
    .description("background-activity classifier on Webex's muted gains (paper Sec. 5.3)")

  withDataOptions(
    classify
      .command('train')
      .description(
        "train the authors' CNN, keep the best validation checkpoint, evaluate it and save the model",
      )
      .requiredOption('--window <n>', `minutes per window (paper: ${WINDOW_SIZES.join(', ')})`)
      .option('--epochs <e>', 'epochs', '700')
      .option('--batch <b>', `batch size (paper's search: ${BATCH_SIZES.join(', ')})`, '500')
      .option('--seed <s>', 'random seed (split, initialisation, shuffling)', '1')
      .option('--split <kind>', "random (the paper's) or leakfree (held-out blocks per clip)", 'random'),
  )
    .option(
      '--json',
      'print one JSON line with the results (fractions, not percent); progress goes to stderr',
    )
    .action(
      action(
        async (
          opts: DataOpts & {
            window: string
            epochs: string
            batch: string
            seed: string
            split: string
            json?: boolean
          },
        ) => {
          const window = windowOf(opts.window)
          const epochs = positiveInt('--epochs')(opts.epochs)
          const batch = positiveInt('--batch')(opts.batch)
          const seed = Number(opts.seed)
          if (!Number.isInteger(seed) || seed < 0)
            throw new UserError(`--seed must be a whole number >= 0, got "${opts.seed}"`)
          if (opts.split !== 'random' && opts.split !== 'leakfree') {
            throw new UserError(`--split must be random or leakfree, got "${opts.split}"`)
          }
          const { dataset, data } = datasetOf(opts)
          // tfjs loads only for the commands that run the network, so the rest of the CLI starts fast.
          const { train } = await import('../../core/classify/train')
          const outcome = await train(dataset, {
            window,
            epochs,
            batch,
            seed,
            split: opts.split,
            onEpoch: (p) => {
              if (p.epoch % 50 === 0 || p.epoch === p.epochs) {
                process.stderr.write(
                  `epoch ${p.epoch}/${p.epochs}  loss ${p.loss.toFixed(4)}  val accuracy ${pct(p.valAccuracy)}  ` +
                    `precision ${pct(p.valPrecision)}  best epoch ${p.bestEpoch}\n`,
                )
              }
            },
          })
          const model = saveModel(outcome, data)
          process.stderr.write(
            `saved model ${model.id} (best epoch ${outcome.bestEpoch}, backend ${outcome.backend})\n`,
          )
          if (opts.json) {
            const { dropped: _dropped, ...counts } = outcome.counts
            printJsonLine({
              window,
              counts,
              validation: {
                precision: outcome.validation.weightedPrecision,
                accuracy: outcome.validation.accuracy,
              },
              eval1: evalLine(outcome.eval1),
              eval2: evalLine(outcome.eval2),
              trainSeconds: outcome.trainSeconds,
            })
            return
          }
          const paper = PAPER_RESULTS.find((r) => r.window === window)
          const row = (name: string, ours: number, theirs: number | undefined) =>
            `${name.padEnd(34)} ${pct(ours).padStart(8)}   ${pct(theirs).padStart(8)}`
          process.stdout.write(
            [
              `window ${window}, batch ${batch}, seed ${seed}, ${opts.split} split, ${epochs} epochs in ` +
                `${outcome.trainSeconds.toFixed(1)} s; windows: ${outcome.counts.train} train, ` +
                `${outcome.counts.validation} validation, ${outcome.counts.eval1} eval 1, ${outcome.counts.eval2} eval 2`,
              `${''.padEnd(34)} ${'ours'.padStart(8)}   ${'paper'.padStart(8)}`,
              row(
                'validation precision (weighted)',
                outcome.validation.weightedPrecision,
                paper?.validationPrecision,
              ),
              row('validation accuracy', outcome.validation.accuracy, undefined),
              row('eval 1 macro accuracy', outcome.eval1.macroAccuracy, paper?.eval1?.macroAccuracy),
              row(
                'eval 1 mean per-class precision',
                outcome.eval1.meanPrecision,
                paper?.eval1?.meanPrecision,
              ),
              row('eval 2 macro accuracy', outcome.eval2.macroAccuracy, paper?.eval2?.macroAccuracy),
              row(
                'eval 2 mean per-class precision',
                outcome.eval2.meanPrecision,
                paper?.eval2?.meanPrecision,
              ),
              `model ${model.id}`,
            ].join('\n') + '\n',
          )
        },
      ),
    )

  withDataOptions(
    classify
      .command('dataset')
      .description("minutes and clips (windows) per class and set: the paper's Table 3")
      .option('--window <n>', 'minutes per window', '7'),
  )
    .option('--json', 'print JSON')
    .action(
      action((opts: DataOpts & { window: string; json?: boolean }) => {
        const window = windowOf(opts.window)
        const { dataset, data } = datasetOf(opts)
        const rows = summarize(dataset, window)
        if (opts.json) {
          printJsonLine({ data, window, classes: CLASS_NAMES, rows })
          return
        }
        const short = ['music', 'cook', 'talk', 'dog', 'keyboard', 'clean']
        const line = (label: string, v: number[]) =>
          `${label.padEnd(14)}${v.map((x) => String(x).padStart(9)).join('')}${String(v.reduce((a, b) => a + b, 0)).padStart(9)}`
        const out = [`${''.padEnd(14)}${short.map((s) => s.padStart(9)).join('')}${'total'.padStart(9)}`]
        for (const r of rows) out.push(line(`${r.set} minutes`, r.minutes), line(`${r.set} clips`, r.clips))
        process.stdout.write(`${data}, window ${window}\n${out.join('\n')}\n`)
      }),
    )

  classify
    .command('models')
    .description('list saved models, newest first')
    .option('--json', 'print a JSON array')
    .action(
      action((opts: { json?: boolean }) => {
        const models = listModels()
        if (opts.json) printJsonLine(models)
        else if (models.length === 0)
          process.stdout.write('no models yet; run "mutescope classify train --window 7"\n')
        else {
          const line = (m: (typeof models)[number]) =>
            `${m.id.padEnd(44)} val ${pct(m.validation.weightedPrecision)}  eval1 ${pct(m.eval1.macroAccuracy)}  ` +
            `eval2 ${pct(m.eval2.macroAccuracy)}`
          process.stdout.write(models.map(line).join('\n') + '\n')
        }
      }),
    )

  classify
    .command('predict <session>')
    .description("infer the background activity from a session's latest gains records")
    .option('--model <id>', 'saved model (default: the newest)')
    .option('--json', 'print JSON')
    .action(
      action(async (raw: string, opts: { model?: string; json?: boolean }) => {
        const id = positiveInt('session id')(raw)
        const model = opts.model ? loadModel(opts.model) : defaultModel()
        const { predictSession } = await import('../../core/classify/predict')
        const store = SessionStore.open()
        const result = await (async () => {
          try {
            return await predictSession(store, id, model)
          } finally {
            store.close()
          }
        })()
        if (opts.json) {
          printJsonLine(result)
          return
        }
        const probs = [...result.probabilities].sort((a, b) => b.p - a.p)
        process.stdout.write(
          `session ${id}: ${result.predicted} (model ${result.modelId}, last ${result.window} of ${result.records} minutes)\n` +
            probs.map((p) => `  ${p.label.padEnd(18)} ${pct(p.p)}`).join('\n') +
            '\n',
        )
      }),
    )
}
