import type { episodesRequests } from '../../shared/contract/episodes'
import { playlistSummary } from '../audio/episode-summary'
import type { HandlerGroup } from './handlers'

export function episodesHandlers(): HandlerGroup<typeof episodesRequests> {
  return {
    episodeSummaries: ({ episodes, calibrationDb, levels }) =>
      playlistSummary(episodes, calibrationDb, levels),
  }
}
