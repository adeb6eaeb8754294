import {
  type Figure,
  type FigurePanel,
  type FigureSeries,
  type FigureSize,
  type MarkerKind,
  mmToPt,
} from './figure-model'
import { niceTicks } from './ticks'

/**
 * One font for every output: resvg (PNG) and browsers find it by this name, the PDF embeds the same file
 * (figure-file.ts); the fallbacks serve systems without it.
 */
export const FIGURE_FONT = 'DejaVu Sans'
const FONT_FAMILY = `${FIGURE_FONT}, Liberation Sans, Arial, Helvetica, sans-serif`

/** Font sizes in points, the same at any figure size, as journals ask. */
export const FONT = { title: 10, panel: 8.5, axis: 8.5, tick: 7.5, legend: 7 }
const MARKER_R = 2.4

/** A coordinate or length in points, to 0.01 pt. */
export function f(v: number): string {
  return String(Math.round(v * 100) / 100)
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** A marker of `kind` centred on (x, y), in the series' fill. */
export function markerSvg(kind: MarkerKind, x: number, y: number, r = MARKER_R): string {
  switch (kind) {
    case 'circle':
      return `<circle cx="${f(x)}" cy="${f(y)}" r="${f(r)}"/>`
    case 'square':
      return `<rect x="${f(x - r * 0.9)}" y="${f(y - r * 0.9)}" width="${f(r * 1.8)}" height="${f(r * 1.8)}"/>`
    case 'triangle':
      return `<path d="M${f(x)} ${f(y - r * 1.2)}L${f(x + r * 1.1)} ${f(y + r * 0.8)}L${f(x - r * 1.1)} ${f(y + r * 0.8)}Z"/>`
    case 'triangle-down':
      return `<path d="M${f(x)} ${f(y + r * 1.2)}L${f(x + r * 1.1)} ${f(y - r * 0.8)}L${f(x - r * 1.1)} ${f(y - r * 0.8)}Z"/>`
    case 'diamond':
      return `<path d="M${f(x)} ${f(y - r * 1.25)}L${f(x + r)} ${f(y)}L${f(x)} ${f(y + r * 1.25)}L${f(x - r)} ${f(y)}Z"/>`
    case 'cross':
      return (
        `<path d="M${f(x - r)} ${f(y - r)}L${f(x + r)} ${f(y + r)}M${f(x - r)} ${f(y + r)}L${f(x + r)} ${f(y - r)}" ` +
        `fill="none" stroke="currentColor" stroke-width="1"/>`
      )
  }
}

/** Text width estimate for DejaVu Sans (mean advance ~0.56 em): legend boxes need no font metrics. */
export const textWidth = (s: string, size: number) => s.length * size * 0.56

type Range = ReturnType<typeof niceTicks>

function axisRange(values: number[]): Range {
  let lo = Infinity
  let hi = -Infinity
  for (const v of values)
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v)
      hi = Math.max(hi, v)
    }
  return lo > hi ? niceTicks(0, 1, 5) : niceTicks(lo, hi, 5)
}

function values(fig: Figure, pick: (s: FigureSeries) => boolean, axis: 'x' | 'y'): number[] {
  return fig.panels.flatMap((p) => p.series.filter(pick).flatMap((s) => s.points.map((pt) => pt[axis])))
}

interface Box {
  x: number
  y: number
  w: number
  h: number
}

/**
 * The opening of a figure's SVG document, sized in millimetres with coordinates in points: white background
 * and the title on top. The caller adds the body and '</svg>'.
 */
export function svgHead(title: string, size: FigureSize): string[] {
  const W = mmToPt(size.widthMm)
  const H = mmToPt(size.heightMm)
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f(size.widthMm)}mm" height="${f(size.heightMm)}mm" ` +
      `viewBox="0 0 ${f(W)} ${f(H)}" font-family="${FONT_FAMILY}" font-size="${FONT.tick}">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${f(W)}" height="${f(H)}" fill="#fff"/>`,
  ]
  // A long title on a narrow figure is set smaller rather than cut at the edges.
  const titleSize = Math.min(FONT.title, (W - 16) / (textWidth(title, FONT.title) / FONT.title))
  if (title)
    out.push(
      `<text class="figure-title" x="${f(W / 2)}" y="15" text-anchor="middle" font-size="${f(titleSize)}">${esc(title)}</text>`,
    )
  return out
}

/**
 * Draws a figure as a standalone SVG document sized in millimetres (coordinates in points): panels in a grid
 * with shared axes (tick labels on the outer panels only), each with its series, dashed fit lines and a
 * legend; the title on top. Every panel is clipped to its plot area.
 */
export function figureSvg(fig: Figure, size: FigureSize): string {
  const W = mmToPt(size.widthMm)
  const H = mmToPt(size.heightMm)
  const n = fig.panels.length
  const cols = n <= 3 ? n : Math.ceil(Math.sqrt(n))
  const rows = Math.ceil(n / cols)
  const hasRight = fig.yRightLabel !== null
  const panelTitles = fig.panels.some((p) => p.title)
  const margin = {
    left: 44,
    right: hasRight ? 44 : 10,
    top: (fig.title ? 22 : 8) + (panelTitles ? 12 : 0),
    bottom: 34,
  }
  const gap = { x: hasRight ? 48 : 10, y: panelTitles ? 22 : 10 }
  const pw = (W - margin.left - margin.right - gap.x * (cols - 1)) / cols
  const ph = (H - margin.top - margin.bottom - gap.y * (rows - 1)) / rows
  const xr = axisRange(values(fig, () => true, 'x'))
  const yl = axisRange(values(fig, (s) => s.axis === 'left', 'y'))
  const yr = hasRight ? axisRange(values(fig, (s) => s.axis === 'right', 'y')) : null

  const out = svgHead(fig.title, size)
  fig.panels.forEach((panel, i) => {
    const col = i % cols
    const row = Math.floor(i / cols)
    const box = { x: margin.left + col * (pw + gap.x), y: margin.top + row * (ph + gap.y), w: pw, h: ph }
    const below = i + cols >= n
    const last = col === cols - 1 || i === n - 1
    out.push(
      panelSvg(
        panel,
        i,
        box,
        { xr, yl, yr },
        { xTicks: below, lastXTick: last, yTicks: col === 0, yRightTicks: last },
      ),
    )
  })
  const plotMidX = margin.left + (W - margin.left - margin.right) / 2
  const plotMidY = margin.top + (H - margin.top - margin.bottom) / 2
  out.push(
    `<text class="x-label" x="${f(plotMidX)}" y="${f(H - 8)}" text-anchor="middle" font-size="${FONT.axis}">${esc(fig.xLabel)}</text>`,
    `<text class="y-label" transform="translate(11 ${f(plotMidY)}) rotate(-90)" text-anchor="middle" font-size="${FONT.axis}">${esc(fig.yLabel)}</text>`,
  )
  if (fig.yRightLabel)
    out.push(
      `<text class="y-right-label" transform="translate(${f(W - 8)} ${f(plotMidY)}) rotate(90)" text-anchor="middle" font-size="${FONT.axis}">${esc(fig.yRightLabel)}</text>`,
    )
  out.push('</svg>')
  return out.join('\n')
}

function panelSvg(
  panel: FigurePanel,
  index: number,
  box: Box,
  ranges: { xr: Range; yl: Range; yr: Range | null },
  show: { xTicks: boolean; lastXTick: boolean; yTicks: boolean; yRightTicks: boolean },
): string {
  const { xr, yl, yr } = ranges
  const sx = (x: number) => box.x + ((x - xr.lo) / (xr.hi - xr.lo)) * box.w
  const sy = (r: Range) => (y: number) => box.y + box.h - ((y - r.lo) / (r.hi - r.lo)) * box.h
  const bottom = box.y + box.h
  const clip = `panel-${index}`
  const out: string[] = [`<g class="panel" data-index="${index}">`]
  out.push(
    `<clipPath id="${clip}"><rect x="${f(box.x)}" y="${f(box.y)}" width="${f(box.w)}" height="${f(box.h)}"/></clipPath>`,
  )
  if (panel.title)
    out.push(
      `<text class="panel-title" x="${f(box.x + box.w / 2)}" y="${f(box.y - 5)}" text-anchor="middle" font-size="${FONT.panel}">${esc(panel.title)}</text>`,
    )
  const grid: string[] = []
  for (const t of xr.ticks) {
    grid.push(`<line x1="${f(sx(t))}" y1="${f(box.y)}" x2="${f(sx(t))}" y2="${f(bottom)}"/>`)
    // The last label of a panel with a neighbour on its right would run into that one's first.
    if (show.xTicks && (show.lastXTick || t !== xr.hi))
      out.push(`<text x="${f(sx(t))}" y="${f(bottom + 10)}" text-anchor="middle" fill="#222">${t}</text>`)
  }
  for (const t of yl.ticks) {
    grid.push(`<line x1="${f(box.x)}" y1="${f(sy(yl)(t))}" x2="${f(box.x + box.w)}" y2="${f(sy(yl)(t))}"/>`)
    if (show.yTicks)
      out.push(
        `<text x="${f(box.x - 4)}" y="${f(sy(yl)(t) + 2.6)}" text-anchor="end" fill="#222">${t}</text>`,
      )
  }
  if (yr && show.yRightTicks)
    for (const t of yr.ticks)
      out.push(
        `<text x="${f(box.x + box.w + 4)}" y="${f(sy(yr)(t) + 2.6)}" text-anchor="start" fill="#222">${t}</text>`,
      )
  out.push(`<g class="grid" stroke="#e3e3e3" stroke-width="0.5">${grid.join('')}</g>`)
  out.push(`<g clip-path="url(#${clip})">`)
  for (const s of panel.series) {
    const y = sy(s.axis === 'right' && yr ? yr : yl)
    const parts: string[] = []
    if (s.line && s.points.length > 1)
      parts.push(
        `<polyline class="trace" fill="none" stroke="${s.color}" stroke-width="0.9" points="${s.points
          .map((p) => `${f(sx(p.x))},${f(y(p.y))}`)
          .join(' ')}"/>`,
      )
    if (s.fit)
      parts.push(
        `<line class="fit" x1="${f(sx(xr.lo))}" y1="${f(y(s.fit.slope * xr.lo + s.fit.intercept))}" ` +
          `x2="${f(sx(xr.hi))}" y2="${f(y(s.fit.slope * xr.hi + s.fit.intercept))}" stroke="${s.color}" ` +
          `stroke-width="1" stroke-dasharray="4 2"/>`,
      )
    const marker = s.marker
    if (marker) parts.push(s.points.map((p) => markerSvg(marker, sx(p.x), y(p.y))).join(''))
    out.push(
      `<g class="series series-${esc(s.id)}" fill="${s.color}" color="${s.color}" fill-opacity="0.75">${parts.join('')}</g>`,
    )
  }
  out.push('</g>')
  out.push(
    `<rect x="${f(box.x)}" y="${f(box.y)}" width="${f(box.w)}" height="${f(box.h)}" fill="none" stroke="#222" stroke-width="0.7"/>`,
  )
  const drawn = panel.series.flatMap((s) => {
    const y = sy(s.axis === 'right' && yr ? yr : yl)
    return s.points.map((p) => ({ x: sx(p.x), y: y(p.y) }))
  })
  out.push(legendSvg(panel.series, box, drawn))
  out.push('</g>')
  return out.join('\n')
}

/** The legend, in the corner of the panel where it hides the fewest points. */
function legendSvg(series: FigureSeries[], box: Box, drawn: { x: number; y: number }[]): string {
  if (series.length === 0) return ''
  const line = FONT.legend + 3
  const w = Math.min(box.w - 8, 16 + Math.max(...series.map((s) => textWidth(s.label, FONT.legend))))
  const h = series.length * line + 4
  const corners = [
    { x: box.x + 4, y: box.y + 4 },
    { x: box.x + box.w - 4 - w, y: box.y + 4 },
    { x: box.x + 4, y: box.y + box.h - 4 - h },
    { x: box.x + box.w - 4 - w, y: box.y + box.h - 4 - h },
  ]
  const hidden = (c: { x: number; y: number }) =>
    drawn.filter((p) => p.x >= c.x && p.x <= c.x + w && p.y >= c.y && p.y <= c.y + h).length
  const { x, y } = corners.reduce((best, c) => (hidden(c) < hidden(best) ? c : best))
  const rows = series.map((s, i) => {
    const cy = y + 2 + line * i + line / 2
    const symbol = s.marker
      ? markerSvg(s.marker, x + 7, cy)
      : `<line x1="${f(x + 2)}" y1="${f(cy)}" x2="${f(x + 12)}" y2="${f(cy)}" stroke="${s.color}" stroke-width="1.2"/>`
    return (
      `<g fill="${s.color}" color="${s.color}">${symbol}</g>` +
      `<text x="${f(x + 15)}" y="${f(cy + FONT.legend * 0.36)}" font-size="${FONT.legend}" fill="#222">${esc(s.label)}</text>`
    )
  })
  return (
    `<g class="legend"><rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(h)}" fill="#fff" fill-opacity="0.85" ` +
    `stroke="#bbb" stroke-width="0.5"/>${rows.join('')}</g>`
  )
}
