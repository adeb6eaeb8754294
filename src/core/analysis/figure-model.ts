/**
 * A publication figure as data: panels sharing one x axis and one (or two) y axes, each holding series of
 * points. Built from analyses (figure-build.ts), drawn as SVG (figure-svg.ts), PDF and PNG (figure-file.ts),
 * and written as the CSV of exactly what is drawn (figure-csv.ts).
 */

export type MarkerKind = 'circle' | 'triangle' | 'square' | 'diamond' | 'triangle-down' | 'cross'

export interface FigurePoint {
  x: number
  y: number
  /** The session the point comes from, and its time (ms since the epoch): carried into the CSV. */
  sessionId: number | null
  t: number | null
}

export interface FigureSeries {
  /** Names the series' SVG group (class="series-ID") and its CSV rows. */
  id: string
  /** Legend text, e.g. "mean gain: r = 0.91, n = 24". */
  label: string
  color: string
  /** Points are drawn with this marker; null draws none (a line only). */
  marker: MarkerKind | null
  /** Points are joined by a line, in order (time series). */
  line: boolean
  axis: 'left' | 'right'
  points: FigurePoint[]
  /** Least-squares line drawn across the panel, dashed. */
  fit: { slope: number; intercept: number } | null
}

export interface FigurePanel {
  title: string | null
  series: FigureSeries[]
}

export interface Figure {
  title: string
  xLabel: string
  yLabel: string
  /** A second y axis on the right (time series: the level beside the gains). */
  yRightLabel: string | null
  panels: FigurePanel[]
  /** Values every CSV row carries (e.g. the calibration the levels include), named by column. */
  constants: Record<string, string | number | null>
}

/**
 * Matrices drawn as heatmaps, one panel each, sharing their row and column labels (a classifier's confusion
 * matrices): drawn by matrix-svg.ts, written as CSV by figure-csv.ts.
 */
export interface MatrixFigure {
  title: string
  /** Axis titles, also the CSV's column names for a cell's row and column. */
  rowLabel: string
  colLabel: string
  rows: readonly string[]
  cols: readonly string[]
  /** What a cell's value is (drawn as colour and percent), e.g. "share of the true class". */
  valueLabel: string
  panels: { title: string; values: number[][]; counts: number[][] }[]
  constants: Record<string, string | number | null>
}

/** Gains keep one look in every figure: the paper's three series. */
export const GAIN_STYLE = {
  max: { label: 'max gain', color: '#d62728', marker: 'triangle' },
  mean: { label: 'mean gain', color: '#1f77b4', marker: 'circle' },
  min: { label: 'min gain', color: '#2ca02c', marker: 'square' },
} as const satisfies Record<string, { label: string; color: string; marker: MarkerKind }>

/** Groups (conditions) in order; colour-blind safe (Okabe-Ito), each with a marker of its own as well. */
export const GROUP_STYLES: { color: string; marker: MarkerKind }[] = [
  { color: '#0072b2', marker: 'circle' },
  { color: '#d55e00', marker: 'triangle' },
  { color: '#009e73', marker: 'square' },
  { color: '#cc79a7', marker: 'diamond' },
  { color: '#e69f00', marker: 'triangle-down' },
  { color: '#56b4e9', marker: 'cross' },
  { color: '#000000', marker: 'circle' },
]

export interface FigureSize {
  widthMm: number
  heightMm: number
}

export const MM_PER_INCH = 25.4
export const PT_PER_INCH = 72

export const mmToPt = (mm: number) => (mm / MM_PER_INCH) * PT_PER_INCH
