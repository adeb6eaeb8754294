import type { Command } from 'commander'
import { writeFileSync } from 'node:fs'
import { buildFigure, drawBuilt } from '../../core/analysis/figure-build'
import { type DrawnFigure, figureFormatOf, renderDrawn } from '../../core/analysis/figure-file'
import { buildModelFigure } from '../../core/classify/figures'
import { defaultModel, loadModel, readModelFile } from '../../core/classify/models'
import { UserError } from '../../core/errors'
import { PlanStore } from '../../core/store/plan-store'
import { SessionStore } from '../../core/store/session-store'
import { classifierSet } from '../../shared/contract/classify'
import { type FigureOptions, modelFigureKind, type ModelFigureSettings } from '../../shared/contract/figures'
import { LEVEL_MEASURES } from '../../shared/measures'
import { action, finiteNumber, printJsonLine } from '../action'
import { sessionSelection } from '../selection'
import { calibrationOption } from './correlate'

interface Options {
  model?: string
  sets: string
  plan?: string
  search?: string
  kind: string
  out: string
  csv?: string
  widthMm?: string
  heightMm?: string
  dpi: string
  title?: string
  level: string
  groupBy: string
  layout: string
  gain: string
  method: string
  interval?: string
  offset: string
  lag: string
  calibration?: string
  json?: boolean
}

function write(file: string, data: string | Buffer): void {
  try {
    writeFileSync(file, data)
  } catch (err) {
    throw new UserError(`cannot write ${file}: ${(err as Error).message}; choose a writable path`)
  }
}

const num = (name: string, v: string | undefined) => (v === undefined ? undefined : finiteNumber(name)(v))

/** A saved model by id, or a model file (a path ending in .json); the newest saved model when none is named. */
function modelOf(ref: string | undefined) {
  if (ref === undefined) return defaultModel()
  return /\.json$/i.test(ref) ? readModelFile(ref) : loadModel(ref)
}

/** A figure of a saved classifier model; session options make no sense for it and are refused. */
function modelFigure(ids: string[], opts: Options, layout: Omit<ModelFigureSettings, 'kind'>): DrawnFigure {
  if (ids.length > 0 || opts.plan !== undefined || opts.search !== undefined)
    throw new UserError(
      `--kind ${opts.kind} draws a classifier model, not sessions: name it with --model ID (or a model file) instead of sessions, --plan or --search`,
    )
  const sets = opts.sets.split(',').map((v) => v.trim())
  const unknown = sets.filter((v) => !classifierSet.safeParse(v).success)
  if (unknown.length > 0)
    throw new UserError(
      `--sets takes ${classifierSet.options.join(', ')}, comma-separated; "${unknown.join('", "')}" is none of them`,
    )
  const settings = { ...layout, kind: opts.kind, sets } as ModelFigureSettings
  return buildModelFigure(modelOf(opts.model), settings)
}

/** A figure of stored sessions; what it skipped goes to stderr. */
function sessionFigure(
  ids: string[],
  opts: Options,
  layout: Omit<FigureOptions, 'kind' | 'select'>,
): DrawnFigure {
  const select = sessionSelection(ids, opts)
  // Validated by buildFigure against the contract's schema, which names what is allowed.
  const options = {
    kind: opts.kind,
    select,
    level: opts.level,
    groupBy: opts.groupBy.split(',').map((f) => f.trim()),
    layout: opts.layout,
    gain: opts.gain,
    ...layout,
    align: {
      method: opts.method,
      offsetS: finiteNumber('--offset')(opts.offset),
      lagS: finiteNumber('--lag')(opts.lag),
      intervalS: num('--interval', opts.interval),
      calibrationDb: calibrationOption(opts.calibration),
    },
  } as FigureOptions
  const store = SessionStore.open()
  let built: ReturnType<typeof buildFigure>
  try {
    built = buildFigure(store, new PlanStore(store), options)
  } finally {
    store.close()
  }
  for (const s of built.skipped)
    process.stderr.write(`mutescope: left out session ${s.sessionId}: ${s.reason}\n`)
  return drawBuilt(built)
}

export function registerFigure(program: Command): void {
  program
    .command('figure [sessions...]')
    .description(
      "export a publication figure as SVG, PDF or PNG, with the CSV of the data it draws: of sessions (scatter, time series, or grouped by condition like the paper's Figs. 7 and 11), or of a trained classifier model (its confusion matrices, or its loss and accuracy per epoch)",
    )
    .option('--plan <id>', 'the completed runs of an experiment plan')
    .option('--search <text>', 'the sessions whose name, app, label, notes or status contain this')
    .requiredOption(
      '--kind <kind>',
      'of sessions: scatter, timeseries or grouped; of a classifier model: confusion or curves',
    )
    .option(
      '--model <id|file.json>',
      "confusion, curves: a saved model's id (see 'mutescope classify models') or a model file; default: the newest saved model",
    )
    .option(
      '--sets <sets>',
      'confusion: the sets drawn, one panel each, comma-separated: validation, eval1, eval2',
      'validation,eval1,eval2',
    )
    .requiredOption('--out <file>', 'figure file; its extension (.svg, .pdf, .png) chooses the format')
    .option('--csv <file>', 'where the plotted data goes (default: the figure file with .csv)')
    .option('--width-mm <mm>', 'figure width in millimetres (default 120 for one panel, 170 for several)')
    .option('--height-mm <mm>', 'figure height in millimetres (default: from the width and the panels)')
    .option('--dpi <n>', 'PNG resolution in dots per inch', '300')
    .option(
      '--title <text>',
      "figure title (default: the plan's or the session's name, or the model's settings)",
    )
    .option('--level <measure>', `what the gains are plotted against: ${LEVEL_MEASURES.join(', ')}`, 'laeq')
    .option('--group-by <fields>', 'grouped: session metadata field(s), comma-separated', 'micMode')
    .option(
      '--layout <layout>',
      'grouped: panels (one per group, shared axes) or overlay (one panel)',
      'panels',
    )
    .option('--gain <gain>', 'grouped overlay: the gain drawn for each group (min, mean, max)', 'mean')
    .option(
      '--method <method>',
      "aligned (windows ending at each record's timestamp) or fixed (the paper's: consecutive windows from playback start)",
      'aligned',
    )
    .option('--interval <s>', "telemetry interval, when a session's profile stored none")
    .option('--offset <s>', 'seconds added to telemetry timestamps to match the playback clock', '0')
    .option('--lag <s>', "seconds the app's report lags behind the audio it summarises", '0')
    .option(
      '--calibration <db>',
      "dB added to every level, or 'none'; default: the sessions' own calibration",
    )
    .option('--json', 'print one JSON object describing what was written')
    .action(
      action(async (ids: string[], opts: Options) => {
        const format = figureFormatOf(opts.out)
        const csvFile = opts.csv ?? opts.out.replace(/\.[^./\\]+$/, '') + '.csv'
        const layout = {
          title: opts.title,
          widthMm: num('--width-mm', opts.widthMm),
          heightMm: num('--height-mm', opts.heightMm),
          dpi: num('--dpi', opts.dpi),
        }
        const drawn = modelFigureKind.safeParse(opts.kind).success
          ? modelFigure(ids, opts, layout)
          : sessionFigure(ids, opts, layout)
        write(opts.out, await renderDrawn(drawn, format))
        write(csvFile, drawn.csv)
        const points = drawn.csv.trimEnd().split('\r\n').length - 1
        const { size } = drawn
        if (opts.json)
          printJsonLine({
            out: opts.out,
            format,
            ...size,
            dpi: drawn.dpi,
            panels: drawn.panels,
            csv: csvFile,
            points,
          })
        else
          process.stdout.write(
            `wrote ${opts.out} (${format}, ${size.widthMm} x ${size.heightMm} mm, ${drawn.panels} panel(s)) ` +
              `and ${csvFile} (${points} ${opts.kind === 'confusion' ? 'cells' : 'points'})\n`,
          )
      }),
    )
}
