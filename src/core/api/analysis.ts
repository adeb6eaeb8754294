import type { analysisRequests } from '../../shared/contract/analysis'
import { analyzeSession } from '../analysis/analyze'
import { decimateMinMax } from '../analysis/decimate'
import { exportAnalysis } from '../analysis/export'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

export function analysisHandlers({ store }: AppContext): HandlerGroup<typeof analysisRequests> {
  return {
    analyzeSession: ({ id, ...align }) => analyzeSession(store, id, align),
    exportPlot: ({ id, format, align, plot }) => exportAnalysis(store, id, format, align, plot),
    levelTrace: ({ id, width, fromT, toT }) => {
      store.getSession(id)
      const seconds = store.levelSeconds(id)
      return { total: seconds.length, points: decimateMinMax(seconds, width, fromT, toT) }
    },
  }
}
