import type { figureRequests } from '../../shared/contract/figures'
import { buildFigure } from '../analysis/figure-build'
import { figureCsv } from '../analysis/figure-csv'
import { mimeTypes, renderFigure } from '../analysis/figure-file'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

/** A file name from a figure's title: letters, digits and dashes. */
function baseName(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
  return `mutescope-${slug || 'figure'}`
}

export function figureHandlers({ store, planStore }: AppContext): HandlerGroup<typeof figureRequests> {
  return {
    exportFigure: async ({ format, ...options }) => {
      const { figure, size, dpi } = buildFigure(store, planStore, options)
      const bytes = await renderFigure(figure, size, format, dpi)
      const base = baseName(figure.title)
      return {
        figure: {
          fileName: `${base}.${format}`,
          mimeType: mimeTypes[format],
          encoding: format === 'svg' ? 'utf8' : 'base64',
          data: format === 'svg' ? bytes.toString('utf8') : bytes.toString('base64'),
        },
        csv: { fileName: `${base}.csv`, mimeType: 'text/csv', encoding: 'utf8', data: figureCsv(figure) },
      }
    },
  }
}
