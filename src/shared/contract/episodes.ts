import { z } from 'zod'
import { request } from './define'

export const episodeSummary = z.object({
  file: z.string(),
  durationS: z.number().nullable(),
  /** LAeq of the whole episode: dB re full scale, A-weighted, plus the calibration asked for. */
  laeq: z.number().nullable(),
  /** The one-minute window from the episode's start with the highest LAeq. */
  loudestMinute: z.object({ startS: z.number(), laeq: z.number() }).nullable(),
  /** Why the file could not be read or decoded; null when it could. */
  error: z.string().nullable(),
})
export type EpisodeSummary = z.infer<typeof episodeSummary>

export const playlistSummary = z.object({
  episodes: z.array(episodeSummary),
  /** The playlist's length; null when an episode's could not be read. */
  totalDurationS: z.number().nullable(),
})
export type PlaylistSummary = z.infer<typeof playlistSummary>

export const episodesRequests = {
  episodeSummaries: request(
    'Duration, LAeq and loudest minute of each episode of a playlist (M3U playlists expanded), before a run',
    z
      .object({
        episodes: z.array(z.string().min(1).max(4096)).min(1).max(1000),
        calibrationDb: z.number().min(-200).max(200).nullable().default(null),
        /** false: durations only, read from the files' headers at once; levels need each episode decoded. */
        levels: z.boolean().default(true),
      })
      .strict(),
    playlistSummary,
  ),
}
