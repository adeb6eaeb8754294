import { z } from 'zod'
import type { AnalysisResult } from '../../shared/contract/analysis'
import type { CompareGroup, CompareSelection, GroupKey } from '../../shared/contract/compare'
import { figureOptions, type FigureOptions } from '../../shared/contract/figures'
import { type LevelMeasure, measureLabel, type Weighting } from '../../shared/measures'
import { UserError } from '../errors'
import type { PlanStore } from '../store/plan-store'
import type { SessionStore } from '../store/session-store'
import { GAIN_FIELDS, type GainName } from './align'
import { analyzeSession } from './analyze'
import { compareSessions, selectedSessionIds } from './compare'
import { drawFigure, type DrawnFigure } from './figure-file'
import {
  type Figure,
  type FigurePanel,
  type FigureSeries,
  type FigureSize,
  GAIN_STYLE,
  GROUP_STYLES,
} from './figure-model'
import { LevelTimeline } from './levels'

type Options = z.output<typeof figureOptions>

const GAIN_AXIS = 'Reported audio gain (dB)'
const GAINS: GainName[] = ['max', 'mean', 'min']

function fixed(v: number | null | undefined, digits: number): string {
  return v === null || v === undefined ? 'n/a' : v.toFixed(digits)
}

const statText = (p: { r: number | null; n: number } | null | undefined) =>
  `r = ${fixed(p?.r, 2)}, n = ${p?.n ?? 0}`

export function groupKeyText(key: GroupKey): string {
  return Object.entries(key)
    .map(([f, v]) => `${f} = ${v === null || v === '' ? '(none)' : v}`)
    .join(', ')
}

/** The title a figure takes when none is given: its plan's name, or its session's. */
function defaultTitle(
  store: SessionStore,
  plans: PlanStore,
  select: CompareSelection,
  ids: number[],
): string {
  if ('planId' in select) return plans.get(select.planId).name
  if (ids.length === 1) return sessionName(store, ids[0])
  return `Sessions ${ids.join(', ')}`
}

function sessionName(store: SessionStore, id: number): string {
  const s = store.getSession(id)
  return s.name || `Session ${id}`
}

/**
 * The calibration all the drawn sessions share: one axis cannot hold dBFS and dB SPL at once, nor levels
 * calibrated differently (the offsets shift each session's points apart).
 */
function sharedCalibration(
  store: SessionStore,
  ids: number[],
  override: number | null | undefined,
): number | null {
  if (override !== undefined) return override
  const values = new Map(ids.map((id) => [id, store.getSession(id).calibrationDb]))
  const distinct = new Set(values.values())
  if (distinct.size > 1)
    throw new UserError(
      `the sessions have different calibrations (${[...values].map(([id, c]) => `${id}: ${c ?? 'none'}`).join(', ')}); ` +
        'give them all the same calibration offset (or none) before drawing them on one axis',
    )
  return [...distinct][0] ?? null
}

function sharedWeighting(store: SessionStore, ids: number[]): Weighting {
  const ws = new Set(ids.map((id) => new LevelTimeline([], store.levelWindows(id)).weighting))
  if (ws.size > 1)
    throw new UserError(
      `the sessions were measured with different frequency weightings (${[...ws].join(', ')})`,
    )
  return [...ws][0] ?? 'A'
}

function gainSeries(
  g: GainName,
  points: FigureSeries['points'],
  stat: { r: number | null; n: number } | null | undefined,
  fit: { slope: number | null; intercept: number | null } | null | undefined,
): FigureSeries {
  const style = GAIN_STYLE[g]
  return {
    id: g,
    label: `${style.label}: ${statText(stat)}`,
    color: style.color,
    marker: style.marker,
    line: false,
    axis: 'left',
    points,
    fit: fit?.slope != null && fit.intercept != null ? { slope: fit.slope, intercept: fit.intercept } : null,
  }
}

/** Scatter panel of one analysed session: each gain against the level, with its fit line and r. */
export function scatterPanel(
  result: AnalysisResult,
  level: LevelMeasure,
  gains: readonly GainName[],
  title: string | null,
): FigurePanel {
  const stats = result[level]
  return {
    title,
    series: GAINS.filter((g) => gains.includes(g)).map((g) =>
      gainSeries(
        g,
        result.pairs
          .filter((p) => p[level] !== null && p[GAIN_FIELDS[g]] !== null)
          .map((p) => ({
            x: p[level] as number,
            y: p[GAIN_FIELDS[g]] as number,
            sessionId: result.sessionId,
            t: p.t,
          })),
        stats.pearson[g],
        stats.fits[g],
      ),
    ),
  }
}

function timeseriesPanel(
  result: AnalysisResult,
  level: LevelMeasure,
  gains: readonly GainName[],
  title: string,
  levelName: string,
): FigurePanel {
  const start = result.alignment.playbackStartT
  const minutes = (t: number) => Math.round(((t - start) / 60_000) * 1000) / 1000
  const series: FigureSeries[] = GAINS.filter((g) => gains.includes(g)).map((g) => ({
    ...gainSeries(
      g,
      result.pairs
        .filter((p) => p[GAIN_FIELDS[g]] !== null)
        .map((p) => ({
          x: minutes(p.startT),
          y: p[GAIN_FIELDS[g]] as number,
          sessionId: result.sessionId,
          t: p.t,
        })),
      null,
      null,
    ),
    label: GAIN_STYLE[g].label,
    line: true,
  }))
  series.push({
    id: level,
    label: levelName,
    color: '#444444',
    marker: null,
    line: true,
    axis: 'right',
    points: result.pairs
      .filter((p) => p[level] !== null)
      .map((p) => ({ x: minutes(p.startT), y: p[level] as number, sessionId: result.sessionId, t: p.t })),
    fit: null,
  })
  return { title, series }
}

function groupPoints(g: CompareGroup, gain: GainName): FigureSeries['points'] {
  return g.pairs
    .filter((p) => p[gain] !== null)
    .map((p) => ({ x: p.level, y: p[gain] as number, sessionId: p.sessionId, t: null }))
}

/** A default size that gives each panel a 4:3-ish plot area. */
function defaultSize(panels: number, o: Options): FigureSize {
  const cols = panels <= 3 ? panels : Math.ceil(Math.sqrt(panels))
  const rows = Math.ceil(panels / cols)
  const widthMm = o.widthMm ?? (panels === 1 ? 120 : 170)
  const heightMm = o.heightMm ?? Math.min(600, Math.round(rows * (widthMm / cols) * 0.72 + 16))
  return { widthMm, heightMm }
}

export interface BuiltFigure {
  figure: Figure
  size: FigureSize
  /** PNG resolution asked for. */
  dpi: number
  /** Sessions a grouped figure left out, with why (too few intervals, no levels ...). */
  skipped: { sessionId: number; reason: string }[]
}

/** A built figure of sessions, drawn. */
export const drawBuilt = (b: BuiltFigure): DrawnFigure => drawFigure(b.figure, b.size, b.dpi)

/**
 * Builds a figure of stored sessions (see figureOptions): the analyses are those of analyzeSession and
 * compareSessions, so a figure draws exactly what the review and `compare` report.
 */
export function buildFigure(store: SessionStore, plans: PlanStore, options: FigureOptions): BuiltFigure {
  const parsed = figureOptions.safeParse(options)
  if (!parsed.success) throw new UserError(z.prettifyError(parsed.error))
  const o = parsed.data
  const ids = selectedSessionIds(store, plans, o.select, 'draw')
  const calibrationDb = sharedCalibration(store, ids, o.align.calibrationDb)
  const levelName = measureLabel(o.level, sharedWeighting(store, ids), calibrationDb !== null)
  const align = { ...o.align, calibrationDb }
  const title = o.title ?? defaultTitle(store, plans, o.select, ids)
  let panels: FigurePanel[]
  let skipped: BuiltFigure['skipped'] = []
  let xLabel = levelName
  let yRightLabel: string | null = null
  if (o.kind === 'grouped') {
    const compared = compareSessions(store, plans, {
      select: o.select,
      groupBy: o.groupBy,
      level: o.level,
      align,
    })
    skipped = compared.skipped
    if (compared.groups.length === 0)
      throw new UserError(
        `none of the sessions could be analysed: ${compared.skipped.map((s) => `session ${s.sessionId}: ${s.reason}`).join('; ')}`,
      )
    panels =
      o.layout === 'overlay'
        ? [
            {
              title: null,
              series: compared.groups.map((g, i) => ({
                id: `group-${i + 1}`,
                label: `${groupKeyText(g.key)}: ${statText(g.pearson[o.gain])}`,
                ...GROUP_STYLES[i % GROUP_STYLES.length],
                line: false,
                axis: 'left' as const,
                points: groupPoints(g, o.gain),
                fit: g.fits[o.gain],
              })),
            },
          ]
        : compared.groups.map((g) => ({
            title: groupKeyText(g.key),
            series: GAINS.filter((gain) => o.gains.includes(gain)).map((gain) =>
              gainSeries(gain, groupPoints(g, gain), g.pearson[gain], g.fits[gain]),
            ),
          }))
  } else {
    const results = ids.map((id) => analyzeSession(store, id, align))
    const panelTitle = (id: number) => (ids.length === 1 ? null : sessionName(store, id))
    panels = results.map((r) =>
      o.kind === 'scatter'
        ? scatterPanel(r, o.level, o.gains, panelTitle(r.sessionId))
        : timeseriesPanel(r, o.level, o.gains, panelTitle(r.sessionId) ?? '', levelName),
    )
    if (o.kind === 'timeseries') {
      xLabel = 'Time since playback start (min)'
      yRightLabel = levelName
    }
  }
  const figure: Figure = {
    title,
    xLabel,
    yLabel: o.kind === 'grouped' && o.layout === 'overlay' ? `Reported ${o.gain} gain (dB)` : GAIN_AXIS,
    yRightLabel,
    panels: panels.map((p) => ({ ...p, title: p.title || null })),
    constants: { calibration_db: calibrationDb, method: align.method ?? 'aligned' },
  }
  return { figure, size: defaultSize(panels.length, o), dpi: o.dpi, skipped }
}
