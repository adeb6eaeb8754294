import { z } from 'zod'
import { maxMuteIntervals } from '../../shared/contract/mic-review'
import { muteInterval, type MuteInterval, type Session } from '../../shared/model'
import { UserError } from '../errors'

/**
 * A session's muted intervals as the store keeps them: in order, apart (one may start where the last ended),
 * within the session (from its start to its end, or now while it runs), and only the last one open, and that
 * only while the session runs. Returns them sorted; a problem is a UserError naming the interval and the fix.
 */
export function checkMuteIntervals(session: Session, given: readonly MuteInterval[]): MuteInterval[] {
  const parsed = z.array(muteInterval).max(maxMuteIntervals).safeParse(given)
  if (!parsed.success)
    throw new UserError(
      `invalid muted intervals: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}; give at most ` +
        `${maxMuteIntervals} intervals of whole milliseconds`,
      'invalid_intervals',
    )
  const sorted = [...parsed.data].sort((a, b) => a.start - b.start)
  const end = session.endedAt ?? Date.now()
  const at = (t: number) => `${((t - session.startedAt) / 1000).toFixed(1)} s`
  const refuse = (n: number, why: string) =>
    new UserError(`muted interval ${n} (from ${at(sorted[n - 1].start)}) ${why}`, 'invalid_intervals')
  sorted.forEach((i, k) => {
    const n = k + 1
    if (i.start < session.startedAt)
      throw refuse(n, 'starts before the session did; start it at 0 s or later')
    if (i.end === null) {
      if (k !== sorted.length - 1) throw refuse(n, 'has no end but is not the last; give its end')
      if (session.status !== 'running') throw refuse(n, 'has no end, and the session is over; give its end')
    } else {
      if (i.end < i.start) throw refuse(n, `ends (${at(i.end)}) before it starts; swap start and end`)
      if (i.end > end) throw refuse(n, `ends after the session (${at(end)}); end it at ${at(end)} or earlier`)
    }
    if (i.start > end) throw refuse(n, `starts after the session ended (${at(end)})`)
    // Only the last may be open (checked above, in order), so an earlier one has its end.
    const prevEnd = sorted[k - 1]?.end
    if (prevEnd != null && i.start < prevEnd)
      throw refuse(n, `overlaps interval ${k}; move its start to ${at(prevEnd)} or later`)
  })
  return sorted
}
