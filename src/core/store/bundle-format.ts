import { z } from 'zod'
import {
  captureLine,
  clockOffset,
  levelSecond,
  levelWindow,
  micAccessSecond,
  muteInterval,
  session,
  sessionEvent,
  telemetryRecord,
} from '../../shared/model'

/**
 * A session bundle, version 4: gzip'ed JSON lines, so that neither writing nor reading one ever holds a
 * whole session. The first line is the header, then one line per row naming its table, `{"captures": {...}}`,
 * then `{"end": {table: count}}`, which tells a complete bundle from a truncated one. Version 3 added the
 * mic-access lane and the muted intervals, version 4 the devices' clock offsets (an older reader would take
 * them for damage; an older bundle is read as one without them). Version 1 (one JSON document with an array
 * per table) is still read.
 */
export const BUNDLE_FORMAT = 'mutescope-session'
export const BUNDLE_VERSION = 4

export const bundleCapture = captureLine.extend({ thread: z.number().nullable() })

/** The row tables of a session, by the name a bundle gives them; each row is validated by its schema. */
export const bundleTables = {
  telemetry: telemetryRecord,
  captures: bundleCapture,
  levelWindows: levelWindow,
  levelSeconds: levelSecond,
  events: sessionEvent,
  micAccess: micAccessSecond,
  muteIntervals: muteInterval,
  clockOffsets: clockOffset,
} as const
export type BundleTable = keyof typeof bundleTables
export const bundleTableNames = Object.keys(bundleTables) as BundleTable[]
export type BundleRow<T extends BundleTable = BundleTable> = z.infer<(typeof bundleTables)[T]>

export const bundleHeader = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.number().int(),
  exportedAt: z.number(),
  session,
})
export type BundleHeader = z.infer<typeof bundleHeader>

/** Rows per table, on the end line (tables newer than the bundle's version are absent: none). */
export const bundleCounts = z.partialRecord(
  z.enum(bundleTableNames as [BundleTable, ...BundleTable[]]),
  z.number().int().nonnegative(),
)

/** What a bundle reader yields: the header first, then rows in file order, then (version 2 on) the counts. */
export type BundleItem =
  | { kind: 'header'; header: BundleHeader }
  | { [T in BundleTable]: { kind: 'row'; table: T; row: BundleRow<T> } }[BundleTable]
  | { kind: 'end'; counts: Partial<Record<BundleTable, number>> | null }

export function isBundleTable(key: string): key is BundleTable {
  return Object.hasOwn(bundleTables, key)
}
