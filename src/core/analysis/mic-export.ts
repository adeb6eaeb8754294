import type { Input, Output } from '../../shared/contract'
import type { SessionStore } from '../store/session-store'
import { micReview } from './mic-review'
import { mutedAt, processNames } from './mic-summary'

const COLUMNS = [
  't',
  'time_iso',
  'pid',
  'process',
  'api',
  'reads',
  'frames',
  'bytes',
  'rms_dbfs',
  'peak_dbfs',
  'muted',
] as const

/** A CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. */
function cell(v: number | string | null): string {
  const s = v === null ? '' : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/**
 * A session's mic-access lane as a file: CSV, one row per second, process and API with whether the app was
 * muted then (times in ms since the epoch plus ISO 8601); or JSON with the muted intervals, what each process
 * read while muted (the review's sentences), the correlation with the played LAeq, and the seconds.
 */
export function exportMicAccess(
  store: SessionStore,
  id: number,
  format: Input<'exportMicAccess'>['format'],
): Output<'exportMicAccess'> {
  const base = `mutescope-session-${id}-mic-access`
  const rows = store.micAccess(id)
  const intervals = store.muteIntervals(id)
  if (format === 'csv') {
    const names = processNames(store.events(id))
    const lines = rows.map((r) =>
      [
        r.t,
        new Date(r.t).toISOString(),
        r.pid,
        names.get(r.pid) ?? null,
        r.api,
        r.reads,
        r.frames,
        r.bytes,
        r.rmsDbfs,
        r.peakDbfs,
        mutedAt(intervals, r.t) ? 1 : 0,
      ]
        .map(cell)
        .join(','),
    )
    return {
      fileName: `${base}.csv`,
      mimeType: 'text/csv',
      encoding: 'utf8',
      data: [COLUMNS.join(','), ...lines].join('\r\n') + '\r\n',
    }
  }
  const { muted, correlation, correlationError } = micReview(store, id, { width: 1 })
  const data = JSON.stringify({
    sessionId: id,
    muteIntervals: intervals,
    muted,
    correlation,
    correlationError,
    seconds: rows.map((r) => ({ ...r, muted: mutedAt(intervals, r.t) })),
  })
  return { fileName: `${base}.json`, mimeType: 'application/json', encoding: 'utf8', data }
}
