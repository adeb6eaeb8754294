import { stat } from 'node:fs/promises'
import type { EpisodeSummary, PlaylistSummary } from '../../shared/contract/episodes'
import { errorMessage } from '../errors'
import { probeAudio } from './decode'
import { fileLevels } from './file-levels'
import { expandPlaylists } from './playlist'
import type { FileLevelsResult } from '../../shared/contract/audio'

/** Summaries already worked out, by file, size and modification time: a 45-minute episode decodes in seconds, not instantly. */
const cache = new Map<string, Promise<FileLevelsResult>>()
const maxCached = 200

async function levelsOf(file: string): Promise<FileLevelsResult> {
  const st = await stat(file)
  const key = `${file}\0${st.size}\0${st.mtimeMs}`
  let levels = cache.get(key)
  if (!levels) {
    levels = fileLevels(file, { windowS: 60, weighting: 'A' })
    cache.set(key, levels)
    levels.catch(() => cache.delete(key))
    if (cache.size > maxCached) cache.delete(cache.keys().next().value!)
  }
  return levels
}

/**
 * What an episode will play, before a run: its duration, its LAeq over the whole, and its loudest minute
 * (the one-minute window from its start with the highest LAeq; a last window shorter than half a minute
 * does not count). Levels are dB re full scale plus `calibrationDb`. A file that cannot be decoded gets
 * its error, so one bad file in a playlist shows where it is.
 */
export async function episodeSummary(file: string, calibrationDb: number | null): Promise<EpisodeSummary> {
  const add = (v: number | null) => (v === null ? null : Math.round((v + (calibrationDb ?? 0)) * 100) / 100)
  try {
    const levels = await levelsOf(file)
    const minutes = levels.windows.filter((w) => w.durationS >= 30 || levels.windows.length === 1)
    const loudest = minutes.reduce<(typeof minutes)[number] | null>(
      (best, w) => (w.leq !== null && (best === null || w.leq > (best.leq as number)) ? w : best),
      null,
    )
    return {
      file,
      durationS: levels.durationS,
      laeq: add(levels.overall.leq),
      loudestMinute: loudest && { startS: loudest.startS, laeq: add(loudest.leq)! },
      error: null,
    }
  } catch (err) {
    return { file, durationS: null, laeq: null, loudestMinute: null, error: errorMessage(err) }
  }
}

/** Only the duration of an episode, from its header: what a warning about the run's length needs, at once. */
async function episodeDuration(file: string): Promise<EpisodeSummary> {
  try {
    const { durationS } = await probeAudio(file)
    return { file, durationS, laeq: null, loudestMinute: null, error: null }
  } catch (err) {
    return { file, durationS: null, laeq: null, loudestMinute: null, error: errorMessage(err) }
  }
}

/**
 * Every episode of a playlist (M3U playlists expanded), one at a time: each decode keeps a core busy. Without
 * `levels`, only durations (read from the files' headers, no decoding).
 */
export async function playlistSummary(
  entries: readonly string[],
  calibrationDb: number | null,
  levels = true,
): Promise<PlaylistSummary> {
  const episodes: EpisodeSummary[] = []
  for (const f of expandPlaylists(entries))
    episodes.push(await (levels ? episodeSummary(f, calibrationDb) : episodeDuration(f)))
  const known = episodes.every((e) => e.durationS !== null)
  return {
    episodes,
    totalDurationS: known ? episodes.reduce((s, e) => s + (e.durationS as number), 0) : null,
  }
}
