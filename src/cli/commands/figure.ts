import type { Command } from 'commander'
import { writeFileSync } from 'node:fs'
import { buildFigure } from '../../core/analysis/figure-build'
import { figureCsv } from '../../core/analysis/figure-csv'
import { figureFormatOf, renderFigure } from '../../core/analysis/figure-file'
import { UserError } from '../../core/errors'
import { PlanStore } from '../../core/store/plan-store'
import { SessionStore } from '../../core/store/session-store'
import type { FigureOptions } from '../../shared/contract/figures'
import { LEVEL_MEASURES } from '../../shared/measures'
import { action, finiteNumber, printJsonLine } from '../action'
import { sessionSelection } from '../selection'
import { calibrationOption } from './correlate'

interface Options {
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

export function registerFigure(program: Command): void {
  program
    .command('figure [sessions...]')
    .description(
      "export a publication figure of sessions (scatter, time series, or grouped by condition like the paper's Figs. 7 and 11) as SVG, PDF or PNG, with the CSV of the data it draws",
    )
    .option('--plan <id>', 'the completed runs of an experiment plan')
    .option('--search <text>', 'the sessions whose name, app, label, notes or status contain this')
    .requiredOption('--kind <kind>', 'scatter, timeseries or grouped')
    .requiredOption('--out <file>', 'figure file; its extension (.svg, .pdf, .png) chooses the format')
    .option('--csv <file>', 'where the plotted data goes (default: the figure file with .csv)')
    .option('--width-mm <mm>', 'figure width in millimetres (default 120 for one panel, 170 for several)')
    .option('--height-mm <mm>', 'figure height in millimetres (default: from the width and the panels)')
    .option('--dpi <n>', 'PNG resolution in dots per inch', '300')
    .option('--title <text>', "figure title (default: the plan's or the session's name)")
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
        const select = sessionSelection(ids, opts)
        const format = figureFormatOf(opts.out)
        const csvFile = opts.csv ?? opts.out.replace(/\.[^./\\]+$/, '') + '.csv'
        // Validated by buildFigure against the contract's schema, which names what is allowed.
        const options = {
          kind: opts.kind,
          select,
          level: opts.level,
          groupBy: opts.groupBy.split(',').map((f) => f.trim()),
          layout: opts.layout,
          gain: opts.gain,
          title: opts.title,
          widthMm: num('--width-mm', opts.widthMm),
          heightMm: num('--height-mm', opts.heightMm),
          dpi: num('--dpi', opts.dpi),
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
        const { figure, size, dpi, skipped } = built
        for (const s of skipped)
          process.stderr.write(`mutescope: left out session ${s.sessionId}: ${s.reason}\n`)
        write(opts.out, await renderFigure(figure, size, format, dpi))
        const csv = figureCsv(figure)
        write(csvFile, csv)
        const points = csv.trimEnd().split('\r\n').length - 1
        if (opts.json)
          printJsonLine({
            out: opts.out,
            format,
            ...size,
            dpi,
            panels: figure.panels.length,
            csv: csvFile,
            points,
          })
        else
          process.stdout.write(
            `wrote ${opts.out} (${format}, ${size.widthMm} x ${size.heightMm} mm, ${figure.panels.length} panel(s)) ` +
              `and ${csvFile} (${points} points)\n`,
          )
      }),
    )
}
