import PDFDocument from 'pdfkit'
import SVGtoPDF from 'svg-to-pdfkit'
import { figureFormat, type FigureFormat } from '../../shared/contract/figures'
import { UserError } from '../errors'
import { figureCsv } from './figure-csv'
import { figureFontFile } from './figure-font'
import { type Figure, type FigureSize, MM_PER_INCH, mmToPt } from './figure-model'
import { FIGURE_FONT, figureSvg } from './figure-svg'
import { svgToPng } from './plot-png'

/** The format a file name asks for by its extension. */
export function figureFormatOf(file: string): FigureFormat {
  const ext = /\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase()
  const format = figureFormat.options.find((f) => f === ext)
  if (!format)
    throw new UserError(`cannot tell the figure format of "${file}": end the file name in .svg, .pdf or .png`)
  return format
}

export const mimeTypes: Record<FigureFormat, string> = {
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  png: 'image/png',
}

/**
 * A figure's SVG document (figureSvg, matrixSvg) as a file: the SVG itself; a PDF page of exactly the figure's
 * size with the SVG drawn as vectors (svg-to-pdfkit onto PDFKit) and the figure font embedded; or a PNG
 * rasterised by resvg at `dpi`.
 */
export async function renderSvg(
  svg: string,
  title: string,
  size: FigureSize,
  format: FigureFormat,
  dpi: number,
): Promise<Buffer> {
  if (format === 'svg') return Buffer.from(svg)
  const font = figureFontFile()
  if (format === 'png')
    return svgToPng(svg, { widthPx: Math.round((size.widthMm / MM_PER_INCH) * dpi), fontFile: font })
  const [w, h] = [mmToPt(size.widthMm), mmToPt(size.heightMm)]
  const doc = new PDFDocument({
    size: [w, h],
    margin: 0,
    info: { Title: title, Creator: 'MuteScope' },
  })
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve)
    doc.on('error', reject)
  })
  if (font) doc.registerFont(FIGURE_FONT, font)
  SVGtoPDF(doc, svg, 0, 0, {
    width: w,
    height: h,
    fontCallback: () => (font ? FIGURE_FONT : 'Helvetica'),
    warningCallback: () => undefined,
  })
  doc.end()
  await ended
  return Buffer.concat(chunks)
}

/** A figure ready to write: its SVG document, the CSV of exactly what it draws, its size and PNG resolution. */
export interface DrawnFigure {
  title: string
  svg: string
  csv: string
  panels: number
  size: FigureSize
  dpi: number
}

/** A figure of points and lines, drawn. */
export function drawFigure(fig: Figure, size: FigureSize, dpi: number): DrawnFigure {
  return {
    title: fig.title,
    svg: figureSvg(fig, size),
    csv: figureCsv(fig),
    panels: fig.panels.length,
    size,
    dpi,
  }
}

/** A drawn figure as a file in `format` (see renderSvg). */
export function renderDrawn(d: DrawnFigure, format: FigureFormat): Promise<Buffer> {
  return renderSvg(d.svg, d.title, d.size, format, d.dpi)
}
