import type { z } from 'zod'
import type { figureRequests } from '../../shared/contract/figures'
import { buildFigure, drawBuilt } from '../analysis/figure-build'
import { type DrawnFigure, mimeTypes, renderDrawn } from '../analysis/figure-file'
import { buildModelFigure } from '../classify/figures'
import { loadModel } from '../classify/models'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

/** A file name from a figure's title: letters, digits and dashes, cut after a whole word. */
function baseName(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  const cut = slug.length <= 60 ? slug : slug.slice(0, 61).replace(/-[^-]*$/, '')
  return `mutescope-${cut || 'figure'}`
}

export function figureHandlers({
  store,
  planStore,
  dataDir,
}: AppContext): HandlerGroup<typeof figureRequests> {
  /** A figure of a saved classifier model, or of sessions. */
  function draw(input: z.output<typeof figureRequests.exportFigure.input>): DrawnFigure {
    if ('model' in input) {
      const { format: _format, model, ...settings } = input
      return buildModelFigure(loadModel(model, dataDir), settings)
    }
    const { format: _format, ...options } = input
    return drawBuilt(buildFigure(store, planStore, options))
  }

  return {
    exportFigure: async (input) => {
      const { format } = input
      const drawn = draw(input)
      const bytes = await renderDrawn(drawn, format)
      const base = baseName(drawn.title)
      return {
        figure: {
          fileName: `${base}.${format}`,
          mimeType: mimeTypes[format],
          encoding: format === 'svg' ? 'utf8' : 'base64',
          data: format === 'svg' ? bytes.toString('utf8') : bytes.toString('base64'),
        },
        csv: { fileName: `${base}.csv`, mimeType: 'text/csv', encoding: 'utf8', data: drawn.csv },
      }
    },
  }
}
