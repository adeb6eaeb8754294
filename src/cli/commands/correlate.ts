import type { Command } from 'commander'
import { writeFileSync } from 'node:fs'
import { analyzeSession } from '../../core/analysis/analyze'
import { pairsCsv } from '../../core/analysis/pairs-csv'
import { svgToPng } from '../../core/analysis/plot-png'
import { plotSvg } from '../../core/analysis/plot-svg'
import { UserError } from '../../core/errors'
import { SessionStore } from '../../core/store/session-store'
import type { AlignMethod, AnalysisResult, LevelStats } from '../../shared/contract/analysis'
import { action, finiteNumber, positiveInt, printJsonLine } from '../action'

/** Numbers arrive as text and are parsed inside the action, where a bad value is a UserError (exit 1). */
interface Options {
  offset: string
  lag: string
  bestLag?: boolean
  lagRange?: string
  lagStep: string
  method: AlignMethod
  interval?: string
  level: 'laeq' | 'lafmax'
  svg?: string
  png?: string
  csv?: string
  scale: string
  title?: string
  calibrated?: boolean
  json?: boolean
}

function positiveNumber(name: string, value: string): number
function positiveNumber(name: string, value: string | undefined): number | undefined
function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = finiteNumber(name)(value)
  if (n <= 0) throw new UserError(`${name} must be greater than 0, got "${value}"`)
  return n
}

type Gains<T> = { min: T; mean: T; max: T }

function mapGains<T, U>(g: Gains<T>, fn: (v: T) => U): Gains<U> {
  return { min: fn(g.min), mean: fn(g.mean), max: fn(g.max) }
}

/** The statistics against one level as the CLI's JSON contract spells them. */
function contractStats(s: LevelStats) {
  return {
    pearson: mapGains(s.pearson, (p) => p && { r: p.r, ci: p.ci, p: p.p }),
    spearman: mapGains(s.spearman, (p) => p && { rho: p.rho, p: p.p }),
  }
}

export function correlateJson(r: AnalysisResult) {
  return {
    n: r.pairs.length,
    pairs: r.pairs.map((p) => ({
      t: p.t,
      audioMinGain: p.audioMinGain,
      audioMeanGain: p.audioMeanGain,
      audioMaxGain: p.audioMaxGain,
      laeq: p.laeq,
      lafmax: p.lafmax,
    })),
    ...contractStats(r.laeq),
    lafmax: { n: r.lafmax.n, ...contractStats(r.lafmax) },
  }
}

function num(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined ? 'n/a' : v.toFixed(digits)
}

function pValue(p: number | null | undefined): string {
  return p === null || p === undefined ? 'n/a' : p.toPrecision(2)
}

function summary(r: AnalysisResult): string {
  const a = r.alignment
  const lines = [
    `session ${r.sessionId}: ${r.pairs.length} aligned intervals (${a.method}, interval ${a.intervalS} s, ` +
      `offset ${a.offsetS} s, lag ${a.lagS} s${r.bestLag ? ' found by best-lag search' : ''})`,
  ]
  for (const [label, stats] of [
    [`L${a.weighting}eq`, r.laeq],
    [`L${a.weighting}Fmax`, r.lafmax],
  ] as const) {
    lines.push(`vs ${label} (n = ${stats.n}):`)
    for (const g of ['min', 'mean', 'max'] as const) {
      const p = stats.pearson[g]
      const s = stats.spearman[g]
      const fit = stats.fits[g]
      lines.push(
        `  ${(g + ' gain').padEnd(9)}  r = ${num(p?.r)} [${num(p?.ci?.[0])}, ${num(p?.ci?.[1])}] p = ${pValue(p?.p)}` +
          `   rho = ${num(s?.rho)} p = ${pValue(s?.p)}   gain = ${num(fit?.slope, 3)} x level + ${num(fit?.intercept)}`,
      )
    }
  }
  return lines.join('\n') + '\n'
}

function write(file: string, data: string | Buffer): void {
  try {
    writeFileSync(file, data)
  } catch (err) {
    throw new UserError(`cannot write ${file}: ${(err as Error).message}; choose a writable path`)
  }
}

export function registerCorrelate(program: Command): void {
  program
    .command('correlate <session>')
    .description(
      'correlate the gains a session recorded with the loudness of what was played (Pearson, Spearman)',
    )
    .option('--offset <s>', 'seconds added to telemetry timestamps to match the playback clock', '0')
    .option('--lag <s>', "seconds the app's report lags behind the audio it summarises", '0')
    .option('--best-lag', 'search the lag that maximises |r| of mean gain against LAeq (around --lag)')
    .option('--lag-range <s>', 'best-lag search range, ± seconds (default: one telemetry interval)')
    .option('--lag-step <s>', 'best-lag search step in seconds', '1')
    .option(
      '--method <method>',
      "aligned (by timestamps) or fixed (the authors' consecutive windows)",
      'aligned',
    )
    .option('--interval <s>', "telemetry interval, when the session's profile stored none")
    .option('--level <level>', 'level on the plot: laeq or lafmax', 'laeq')
    .option('--svg <file>', 'write the correlation plot as SVG')
    .option('--png <file>', 'write the correlation plot as PNG')
    .option('--scale <n>', 'PNG resolution factor, up to 8', '2')
    .option('--title <text>', 'plot title')
    .option('--calibrated', 'levels carry a calibration offset: label them dBA rather than dBA re full scale')
    .option('--csv <file>', 'write the aligned windows as CSV')
    .option('--json', 'print one JSON object')
    .action(
      action((raw: string, opts: Options) => {
        const id = positiveInt('session id')(raw)
        if (opts.method !== 'aligned' && opts.method !== 'fixed')
          throw new UserError(`--method must be aligned or fixed, got "${opts.method}"`)
        if (opts.level !== 'laeq' && opts.level !== 'lafmax')
          throw new UserError(`--level must be laeq or lafmax, got "${opts.level}"`)
        const scale = positiveNumber('--scale', opts.scale)
        if (scale > 8) throw new UserError(`--scale must be at most 8, got "${opts.scale}"`)
        const store = SessionStore.open()
        let result: AnalysisResult
        try {
          result = analyzeSession(store, id, {
            method: opts.method,
            offsetS: finiteNumber('--offset')(opts.offset),
            lagS: finiteNumber('--lag')(opts.lag),
            bestLag: opts.bestLag ?? false,
            lagRangeS: positiveNumber('--lag-range', opts.lagRange),
            lagStepS: positiveNumber('--lag-step', opts.lagStep),
            intervalS: positiveNumber('--interval', opts.interval),
          })
        } finally {
          store.close()
        }
        const plot = { level: opts.level, title: opts.title, calibrated: opts.calibrated ?? false }
        const svg = opts.svg || opts.png ? plotSvg(result, plot) : ''
        if (opts.svg) write(opts.svg, svg)
        if (opts.png) write(opts.png, svgToPng(svg, scale))
        if (opts.csv) write(opts.csv, pairsCsv(result))
        if (opts.json) {
          if (result.bestLag)
            process.stderr.write(
              `mutescope: best lag ${result.bestLag.lagS} s (r = ${num(result.bestLag.r, 3)})\n`,
            )
          printJsonLine(correlateJson(result))
        } else {
          process.stdout.write(summary(result))
          for (const file of [opts.svg, opts.png, opts.csv]) if (file) process.stdout.write(`wrote ${file}\n`)
        }
      }),
    )
}
