import type { Command } from 'commander'
import { checkAlignOptions } from '../../core/analysis/analyze'
import { writeFileSync } from 'node:fs'
import { pairsCsv } from '../../core/analysis/pairs-csv'
import { svgToPng } from '../../core/analysis/plot-png'
import { plotSvg } from '../../core/analysis/plot-svg'
import { cannotWrite, UserError } from '../../core/errors'
import { clockOffsetText } from '../../shared/clock-offset-text'
import type { AlignMethod, AnalysisResult, LevelStats } from '../../shared/contract/analysis'
import { ALIGN_METHOD_NAMES, LEVEL_MEASURES, levelMeasure, measureLabel } from '../../shared/measures'
import { action, finiteNumber, positiveInt, printJsonLine } from '../action'
import { callApi } from '../dispatch'

/** Numbers arrive as text and are parsed inside the action, where a bad value is a UserError (exit 1). */
interface Options {
  offset: string
  lag: string
  bestLag?: boolean
  lagRange?: string
  lagStep: string
  method: AlignMethod
  interval?: string
  level: string
  svg?: string
  png?: string
  csv?: string
  scale: string
  title?: string
  calibration?: string
  json?: boolean
}

/** --calibration: a number of dB, "none" for none, absent for the session's own. */
export function calibrationOption(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined
  if (value === 'none') return null
  const n = finiteNumber('--calibration')(value)
  if (Math.abs(n) > 200) throw new UserError(`--calibration must be within ±200 dB, got "${value}"`)
  return n
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
      maxMagnitude: p.maxMagnitude,
      meanMagnitude: p.meanMagnitude,
    })),
    calibrationDb: r.calibrationDb,
    ...contractStats(r.laeq),
    lafmax: { n: r.lafmax.n, ...contractStats(r.lafmax) },
    maxMagnitude: { n: r.maxMagnitude.n, ...contractStats(r.maxMagnitude) },
    meanMagnitude: { n: r.meanMagnitude.n, ...contractStats(r.meanMagnitude) },
    // Multi-device sessions: each series against LAeq, its clock and gaps, and Fisher's z between series.
    ...(r.devices && {
      devices: r.devices.map((d) => ({
        device: d.device,
        target: d.target,
        records: d.records,
        n: d.laeq.n,
        ...contractStats(d.laeq),
        clock: d.clock,
        gaps: d.gaps,
      })),
      deviceDifferences: r.deviceDifferences ?? [],
    }),
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
  const method = `${ALIGN_METHOD_NAMES[a.method]}, ${a.intervalS} s each`
  const lines = [
    `session ${r.sessionId}: ${r.pairs.length} windows (${method}, offset ${a.offsetS} s, lag ${a.lagS} s` +
      `${r.bestLag ? ' found by best-lag search' : ''})`,
    r.calibrationDb === null
      ? 'levels in dB re digital full scale (no calibration offset)'
      : `levels calibrated: ${r.calibrationDb} dB added (dB SPL)`,
  ]
  for (const m of LEVEL_MEASURES) {
    const stats = r[m]
    if (stats.n === 0) {
      lines.push(`vs ${measureLabel(m, a.weighting, r.calibrationDb !== null)}: not recorded in this session`)
      continue
    }
    lines.push(`vs ${measureLabel(m, a.weighting, r.calibrationDb !== null)} (n = ${stats.n}):`)
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
  for (const d of r.devices ?? []) {
    const clock = d.clock ? `, clock ${clockOffsetText(d.clock)}` : ''
    lines.push(
      `${d.target ?? 'target'} on ${d.device} (n = ${d.laeq.n}, ${d.gaps.length} gap(s)${clock}): ` +
        (['min', 'mean', 'max'] as const).map((g) => `${g} r = ${num(d.laeq.pearson[g]?.r)}`).join(', '),
    )
  }
  for (const x of r.deviceDifferences ?? [])
    if (x.z !== null)
      lines.push(
        `  ${x.gain} gain, ${x.a.device} vs ${x.b.device}: Fisher z = ${num(x.z)} p = ${pValue(x.p)}`,
      )
  return lines.join('\n') + '\n'
}

function write(file: string, data: string | Buffer): void {
  try {
    writeFileSync(file, data)
  } catch (err) {
    throw cannotWrite(file, err)
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
      "aligned (windows ending at each record's timestamp) or fixed (the paper's own method: consecutive windows of one interval from playback start)",
      'aligned',
    )
    .option('--interval <s>', "telemetry interval, when the session's profile stored none")
    .option('--level <level>', `measure on the plot: ${LEVEL_MEASURES.join(', ')}`, 'laeq')
    .option('--svg <file>', 'write the correlation plot as SVG')
    .option('--png <file>', 'write the correlation plot as PNG')
    .option('--scale <n>', 'PNG resolution factor, up to 8', '2')
    .option('--title <text>', 'plot title')
    .option(
      '--calibration <db>',
      "dB added to every level (SPL of digital full scale), or 'none'; default: the session's own calibration",
    )
    .option('--csv <file>', 'write the aligned windows as CSV')
    .option('--json', 'print one JSON object')
    .action(
      action(async (raw: string, opts: Options) => {
        const id = positiveInt('session id')(raw)
        if (opts.method !== 'aligned' && opts.method !== 'fixed')
          throw new UserError(`--method must be aligned or fixed, got "${opts.method}"`)
        const level = levelMeasure.safeParse(opts.level)
        if (!level.success)
          throw new UserError(`--level must be one of ${LEVEL_MEASURES.join(', ')}, got "${opts.level}"`)
        const scale = positiveNumber('--scale', opts.scale)
        if (scale > 8) throw new UserError(`--scale must be at most 8, got "${opts.scale}"`)
        // Checked here too, so that a value out of range is named as the analysis has always named it.
        const align = checkAlignOptions({
          method: opts.method,
          offsetS: finiteNumber('--offset')(opts.offset),
          lagS: finiteNumber('--lag')(opts.lag),
          bestLag: opts.bestLag ?? false,
          lagRangeS: positiveNumber('--lag-range', opts.lagRange),
          lagStepS: positiveNumber('--lag-step', opts.lagStep),
          intervalS: positiveNumber('--interval', opts.interval),
          calibrationDb: calibrationOption(opts.calibration),
        })
        const result = await callApi('analyzeSession', { id, ...align })
        const plot = { level: level.data, title: opts.title }
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
