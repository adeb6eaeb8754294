import type { Input, Output } from '../../shared/contract'
import type { AlignOptions, PlotOptions } from '../../shared/contract/analysis'
import type { SessionStore } from '../store/session-store'
import { analyzeSession } from './analyze'
import { pairsCsv } from './pairs-csv'
import { svgToPng } from './plot-png'
import { plotSvg } from './plot-svg'

type ExportFormat = Input<'exportPlot'>['format']
type ExportedFile = Output<'exportPlot'>

/** One export of a session's analysis as the UI downloads it: text stays text, PNG travels as base64. */
export function exportAnalysis(
  store: SessionStore,
  id: number,
  format: ExportFormat,
  align: AlignOptions = {},
  plot: PlotOptions = {},
): ExportedFile {
  const result = analyzeSession(store, id, align)
  const base = `mutescope-session-${id}-${format === 'csv' ? 'aligned' : (plot.level ?? 'laeq')}`
  switch (format) {
    case 'csv':
      return { fileName: `${base}.csv`, mimeType: 'text/csv', encoding: 'utf8', data: pairsCsv(result) }
    case 'svg':
      return {
        fileName: `${base}.svg`,
        mimeType: 'image/svg+xml',
        encoding: 'utf8',
        data: plotSvg(result, plot),
      }
    case 'png':
      return {
        fileName: `${base}.png`,
        mimeType: 'image/png',
        encoding: 'base64',
        data: svgToPng(plotSvg(result, plot), 2).toString('base64'),
      }
  }
}
