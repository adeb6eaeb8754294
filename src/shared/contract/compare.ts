import { z } from 'zod'
import { levelMeasure } from '../measures'
import { sessionMeta, type SessionMetaField } from '../model'
import { alignOptions, gainName, pearsonStat } from './analysis'
import { request } from './define'

/** Session metadata fields sessions can be grouped by. */
export const groupField = z.enum(
  Object.keys(sessionMeta.shape) as [SessionMetaField, ...SessionMetaField[]],
  {
    error: (issue) =>
      `cannot group by "${String(issue.input)}": use one of ${Object.keys(sessionMeta.shape).join(', ')}`,
  },
)
export type GroupField = z.infer<typeof groupField>

/** Which sessions to compare: a plan's completed runs, sessions by id, or those a search finds. */
export const compareSelection = z.union([
  z.object({ planId: z.number().int().positive() }).strict(),
  z.object({ sessionIds: z.array(z.number().int().positive()).min(1).max(10_000) }).strict(),
  z.object({ search: z.string().min(1).max(200) }).strict(),
])
export type CompareSelection = z.infer<typeof compareSelection>

export const compareOptions = z
  .object({
    select: compareSelection,
    groupBy: z.array(groupField).min(1, 'group by at least one field').max(4),
    level: levelMeasure.default('laeq'),
    align: alignOptions.prefault({}),
  })
  .strict()
export type CompareOptions = z.input<typeof compareOptions>

export const groupKey = z.record(z.string(), z.union([z.string(), z.number(), z.null()]))
export type GroupKey = z.infer<typeof groupKey>

const fit = z.object({ slope: z.number(), intercept: z.number() })
const perGain = <T extends z.ZodType>(s: T) => z.object({ min: s, mean: s, max: s })

export const compareGroup = z.object({
  key: groupKey,
  sessions: z.array(z.number().int()),
  /** Aligned intervals pooled over the group's sessions. */
  n: z.number().int(),
  /** Pearson r of each gain against the level over the pooled intervals; null below three pairs. */
  pearson: perGain(pearsonStat.nullable()),
  fits: perGain(fit.nullable()),
  /** The pooled intervals, for the overlaid scatter. */
  pairs: z.array(
    z.object({
      sessionId: z.number().int(),
      level: z.number(),
      min: z.number().nullable(),
      mean: z.number().nullable(),
      max: z.number().nullable(),
    }),
  ),
})
export type CompareGroup = z.infer<typeof compareGroup>

export const correlationDifference = z.object({
  a: groupKey,
  b: groupKey,
  gain: gainName,
  /** Fisher's z for r(a) − r(b); null when a group has fewer than four pairs or r is undefined. */
  z: z.number().nullable(),
  p: z.number().nullable(),
})

export const compareResult = z.object({
  level: levelMeasure,
  groupBy: z.array(groupField),
  groups: z.array(compareGroup),
  differences: z.array(correlationDifference),
  /** Sessions left out, with why (too few intervals, no levels...). */
  skipped: z.array(z.object({ sessionId: z.number().int(), reason: z.string() })),
})
export type CompareResult = z.infer<typeof compareResult>

export const compareRequests = {
  compareSessions: request(
    'Groups sessions by metadata fields: pooled Pearson r of each gain per group, and Fisher z tests between groups',
    compareOptions,
    compareResult,
  ),
}
