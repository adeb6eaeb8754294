import type { settingsRequests } from '../../shared/contract/settings'
import { readSettings, updateSettings } from '../settings'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

export function settingsHandlers({ dataDir }: AppContext): HandlerGroup<typeof settingsRequests> {
  return {
    getSettings: () => readSettings(dataDir),
    updateSettings: (patch) => updateSettings(dataDir, patch),
  }
}
