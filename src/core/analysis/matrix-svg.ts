import { type FigureSize, type MatrixFigure, mmToPt, PT_PER_INCH, MM_PER_INCH } from './figure-model'
import { esc, f, FONT, svgHead, textWidth } from './figure-svg'

/** Column labels are turned this far, so long class names fit under narrow cells. */
const COL_ANGLE = 40
const SIN = Math.sin((COL_ANGLE * Math.PI) / 180)
const COS = Math.cos((COL_ANGLE * Math.PI) / 180)
/** Empty cells are white, full ones this blue (Okabe-Ito), so colour-blind readers see the same scale. */
const FULL = [0x00, 0x72, 0xb2]

function colour(v: number): string {
  const share = Math.min(1, Math.max(0, v))
  const [r, g, b] = FULL.map((c) => Math.round(255 + (c - 255) * share))
  return `rgb(${r},${g},${b})`
}

interface Layout {
  cols: number
  rows: number
  margin: { left: number; right: number; top: number; bottom: number }
  gap: { x: number; y: number }
  /** Side of one (square) cell, in points. */
  cell: number
}

function layout(fig: MatrixFigure, W: number, H: number | null): Layout {
  const n = fig.panels.length
  const cols = n <= 3 ? n : Math.ceil(Math.sqrt(n))
  const rows = Math.ceil(n / cols)
  const rowLabels = Math.max(...fig.rows.map((r) => textWidth(r, FONT.tick)))
  const colLabels = Math.max(...fig.cols.map((c) => textWidth(c, FONT.tick)))
  const margin = {
    left: 16 + rowLabels + 6,
    right: 8 + colLabels * COS * 0.5,
    // Title, the note saying what a cell holds, panel titles.
    top: (fig.title ? 22 : 8) + 10 + 12,
    bottom: 6 + colLabels * SIN + FONT.tick + 16,
  }
  // Turned column labels reach left, under the panel before: the gap keeps them apart.
  const gap = { x: 12 + colLabels * COS * 0.5, y: 12 + colLabels * SIN + FONT.tick }
  const byWidth = (W - margin.left - margin.right - gap.x * (cols - 1)) / cols / fig.cols.length
  const byHeight =
    H === null ? byWidth : (H - margin.top - margin.bottom - gap.y * (rows - 1)) / rows / fig.rows.length
  return { cols, rows, margin, gap, cell: Math.max(1, Math.min(byWidth, byHeight)) }
}

/** The height (mm) at which a matrix figure of this width has square cells filling the width. */
export function matrixHeightMm(fig: MatrixFigure, widthMm: number): number {
  const l = layout(fig, mmToPt(widthMm), null)
  const pt = l.margin.top + l.margin.bottom + l.gap.y * (l.rows - 1) + l.rows * l.cell * fig.rows.length
  return Math.round((pt / PT_PER_INCH) * MM_PER_INCH)
}

/**
 * Draws matrices as heatmaps in one standalone SVG document sized in millimetres (coordinates in points):
 * one panel per matrix in a grid, square cells shaded by value with the value in percent written in each,
 * row labels left of the first column of panels, column labels (turned) under every panel, axis titles.
 */
export function matrixSvg(fig: MatrixFigure, size: FigureSize): string {
  const W = mmToPt(size.widthMm)
  const H = mmToPt(size.heightMm)
  const l = layout(fig, W, H)
  const gridW = l.cell * fig.cols.length
  const gridH = l.cell * fig.rows.length
  const out = svgHead(fig.title, size)
  const valueFont = Math.min(FONT.tick, l.cell * 0.38)
  fig.panels.forEach((panel, i) => {
    const x0 = l.margin.left + (i % l.cols) * (gridW + l.gap.x)
    const y0 = l.margin.top + Math.floor(i / l.cols) * (gridH + l.gap.y)
    const g: string[] = [`<g class="panel" data-index="${i}">`]
    const titleSize = Math.min(
      FONT.panel,
      (gridW + l.gap.x) / (textWidth(panel.title, FONT.panel) / FONT.panel),
    )
    g.push(
      `<text class="panel-title" x="${f(x0 + gridW / 2)}" y="${f(y0 - 5)}" text-anchor="middle" font-size="${f(titleSize)}">${esc(panel.title)}</text>`,
    )
    fig.rows.forEach((_, r) =>
      fig.cols.forEach((_, c) => {
        const v = panel.values[r][c]
        const [x, y] = [x0 + c * l.cell, y0 + r * l.cell]
        g.push(
          `<rect class="cell" data-row="${r}" data-col="${c}" x="${f(x)}" y="${f(y)}" width="${f(l.cell)}" ` +
            `height="${f(l.cell)}" fill="${colour(v)}" stroke="#fff" stroke-width="0.5"/>`,
          `<text class="cell-value" x="${f(x + l.cell / 2)}" y="${f(y + l.cell / 2 + valueFont * 0.36)}" ` +
            `text-anchor="middle" font-size="${f(valueFont)}" fill="${v > 0.5 ? '#fff' : '#222'}">${Math.round(v * 100)}</text>`,
        )
      }),
    )
    g.push(
      `<rect x="${f(x0)}" y="${f(y0)}" width="${f(gridW)}" height="${f(gridH)}" fill="none" stroke="#222" stroke-width="0.7"/>`,
    )
    if (i % l.cols === 0)
      fig.rows.forEach((row, r) =>
        g.push(
          `<text class="row-label" x="${f(x0 - 4)}" y="${f(y0 + (r + 0.5) * l.cell + FONT.tick * 0.36)}" text-anchor="end">${esc(row)}</text>`,
        ),
      )
    fig.cols.forEach((col, c) => {
      const [x, y] = [x0 + (c + 0.5) * l.cell, y0 + gridH + 4 + FONT.tick * 0.7]
      g.push(
        `<text class="col-label" transform="translate(${f(x)} ${f(y)}) rotate(-${COL_ANGLE})" text-anchor="end">${esc(col)}</text>`,
      )
    })
    g.push('</g>')
    out.push(g.join('\n'))
  })
  const gridsW = l.cols * gridW + (l.cols - 1) * l.gap.x
  const gridsH = l.rows * gridH + (l.rows - 1) * l.gap.y
  out.push(
    `<text class="x-label" x="${f(l.margin.left + gridsW / 2)}" y="${f(l.margin.top + gridsH + l.margin.bottom - 8)}" text-anchor="middle" font-size="${FONT.axis}">${esc(fig.colLabel)}</text>`,
    `<text class="y-label" transform="translate(11 ${f(l.margin.top + gridsH / 2)}) rotate(-90)" text-anchor="middle" font-size="${FONT.axis}">${esc(fig.rowLabel)}</text>`,
    `<text class="value-note" x="${f(W / 2)}" y="${f(l.margin.top - 17)}" text-anchor="middle" font-size="${FONT.legend}" fill="#444">Cells: ${esc(fig.valueLabel)} (%)</text>`,
    '</svg>',
  )
  return out.join('\n')
}
