/** Correlation needs at least this many telemetry intervals paired with played audio (core's MIN_PAIRS). */
export const MIN_INTERVALS = 3

/**
 * How many whole telemetry intervals a run yields: its duration, or else the playlist's length; null when
 * neither bounds it (a looped playlist without a duration) or the playlist's length is unknown.
 */
export function expectedIntervals(
  playlistS: number | null,
  durationS: number | null,
  loop: boolean,
  intervalS: number,
): number | null {
  const spanS = durationS ?? (loop ? null : playlistS)
  return spanS === null ? null : Math.floor(spanS / intervalS)
}

/** The warning shown before a run that cannot be correlated, in words that name what to change; else null. */
export function fewIntervalsWarning(
  playlistS: number | null,
  durationS: number | null,
  loop: boolean,
  intervalS: number,
): string | null {
  const n = expectedIntervals(playlistS, durationS, loop, intervalS)
  if (n === null || n >= MIN_INTERVALS) return null
  const spanS = Math.round((durationS ?? playlistS)! * 10) / 10
  return (
    `This run will give only ${n} telemetry interval${n === 1 ? '' : 's'} (${spanS} s of playback, one report ` +
    `every ${intervalS} s); correlating gains with levels needs at least ${MIN_INTERVALS}. Play longer episodes, ` +
    'loop the playlist, set a longer duration, or a shorter telemetry interval.'
  )
}
