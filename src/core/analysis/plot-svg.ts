import { plotOptions, type AnalysisResult, type PlotOptions } from '../../shared/contract/analysis'
import { UserError } from '../errors'
import { GAIN_FIELDS, type GainName } from './align'
import { niceTicks } from './ticks'

/** Fonts resvg and browsers both find on common systems; the PNG renderer loads system fonts. */
export const PLOT_FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif'

const SERIES: Record<GainName, { label: string; color: string; marker: (x: number, y: number) => string }> = {
  max: {
    label: 'max gain',
    color: '#d62728',
    marker: (x, y) => `<path d="M${f(x)} ${f(y - 4.5)}L${f(x + 4)} ${f(y + 3)}L${f(x - 4)} ${f(y + 3)}Z"/>`,
  },
  mean: {
    label: 'mean gain',
    color: '#1f77b4',
    marker: (x, y) => `<circle cx="${f(x)}" cy="${f(y)}" r="3.5"/>`,
  },
  min: {
    label: 'min gain',
    color: '#2ca02c',
    marker: (x, y) => `<rect x="${f(x - 3)}" y="${f(y - 3)}" width="6" height="6"/>`,
  },
}
const ORDER: GainName[] = ['max', 'mean', 'min']

const MARGIN = { left: 72, right: 24, top: 44, bottom: 58 }

function f(v: number): string {
  return String(Math.round(v * 100) / 100)
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function fixed(v: number | null | undefined, digits: number): string {
  return v === null || v === undefined ? 'n/a' : v.toFixed(digits)
}

/** Axis label of the level, e.g. "LAeq (dBA re full scale)" or "LAFmax (dBA)" with a calibrated meter. */
export function levelAxisLabel(
  result: AnalysisResult,
  level: 'laeq' | 'lafmax',
  calibrated: boolean,
): string {
  const w = result.alignment.weighting
  const name = level === 'laeq' ? `L${w}eq` : `L${w}Fmax`
  return `${name} (dB${w}${calibrated ? '' : ' re full scale'})`
}

/**
 * The gain-versus-level scatter of the paper's Fig. 7 as a standalone SVG document: one marker style per gain,
 * each with its least-squares line, r and n in the legend, labelled axes with units.
 */
export function plotSvg(result: AnalysisResult, options: PlotOptions = {}): string {
  const o = plotOptions.parse(options)
  const stats = result[o.level]
  const series = ORDER.filter((g) => o.gains.includes(g))
  const points = series.flatMap((g) =>
    result.pairs
      .filter((p) => p[o.level] !== null && p[GAIN_FIELDS[g]] !== null)
      .map((p) => ({ g, x: p[o.level] as number, y: p[GAIN_FIELDS[g]] as number })),
  )
  if (points.length === 0)
    throw new UserError(
      `no aligned interval has both a gain and ${o.level === 'laeq' ? 'LAeq' : 'LAFmax'}; plot the other level`,
    )
  const xs = niceTicks(Math.min(...points.map((p) => p.x)), Math.max(...points.map((p) => p.x)))
  const ys = niceTicks(Math.min(...points.map((p) => p.y)), Math.max(...points.map((p) => p.y)))
  const plotW = o.width - MARGIN.left - MARGIN.right
  const plotH = o.height - MARGIN.top - MARGIN.bottom
  const sx = (x: number) => MARGIN.left + ((x - xs.lo) / (xs.hi - xs.lo)) * plotW
  const sy = (y: number) => MARGIN.top + plotH - ((y - ys.lo) / (ys.hi - ys.lo)) * plotH
  const bottom = MARGIN.top + plotH
  const xLabel = levelAxisLabel(result, o.level, o.calibrated)
  const title = o.title ?? `Session ${result.sessionId}: reported gain vs ${xLabel.split(' ')[0]}`

  const grid = [
    ...xs.ticks.map(
      (t) =>
        `<line x1="${f(sx(t))}" y1="${MARGIN.top}" x2="${f(sx(t))}" y2="${bottom}"/>` +
        `<text x="${f(sx(t))}" y="${bottom + 18}" text-anchor="middle" stroke="none" fill="#222">${t}</text>`,
    ),
    ...ys.ticks.map(
      (t) =>
        `<line x1="${MARGIN.left}" y1="${f(sy(t))}" x2="${MARGIN.left + plotW}" y2="${f(sy(t))}"/>` +
        `<text x="${MARGIN.left - 8}" y="${f(sy(t) + 4)}" text-anchor="end" stroke="none" fill="#222">${t}</text>`,
    ),
  ]
  const layers = series.map((g) => {
    const fit = stats.fits[g]
    const line =
      fit?.slope != null && fit.intercept != null
        ? `<line class="fit" x1="${f(sx(xs.lo))}" y1="${f(sy(fit.slope * xs.lo + fit.intercept))}" ` +
          `x2="${f(sx(xs.hi))}" y2="${f(sy(fit.slope * xs.hi + fit.intercept))}" stroke="${SERIES[g].color}" ` +
          `stroke-width="1.5" stroke-dasharray="6 3"/>`
        : ''
    const marks = points
      .filter((p) => p.g === g)
      .map((p) => SERIES[g].marker(sx(p.x), sy(p.y)))
      .join('')
    return `<g class="series-${g}" fill="${SERIES[g].color}" fill-opacity="0.75">${marks}</g><g clip-path="url(#plot-area)">${line}</g>`
  })
  const legend = series.map((g, i) => {
    const y = MARGIN.top + 16 + i * 18
    const x = MARGIN.left + plotW - 250
    const p = stats.pearson[g]
    const text = `${SERIES[g].label}: r = ${fixed(p?.r, 2)}, n = ${p?.n ?? 0}`
    return (
      `<g fill="${SERIES[g].color}">${SERIES[g].marker(x + 8, y - 4)}</g>` +
      `<text x="${x + 20}" y="${y}" fill="#222">${esc(text)}</text>`
    )
  })

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${o.height}" ` +
      `viewBox="0 0 ${o.width} ${o.height}" font-family="${PLOT_FONT}" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<clipPath id="plot-area"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}"/></clipPath>`,
    `<text x="${o.width / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<g class="grid" stroke="#e3e3e3">${grid.join('')}</g>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#222"/>`,
    ...layers,
    `<rect x="${MARGIN.left + plotW - 258}" y="${MARGIN.top + 2}" width="252" height="${series.length * 18 + 8}" ` +
      `fill="#fff" fill-opacity="0.85" stroke="#bbb"/>`,
    ...legend,
    `<text class="x-label" x="${MARGIN.left + plotW / 2}" y="${o.height - 14}" text-anchor="middle" font-size="13">` +
      `${esc(xLabel)}</text>`,
    `<text class="y-label" transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" ` +
      `font-size="13">Reported audio gain (dB)</text>`,
    `</svg>`,
  ].join('\n')
}
