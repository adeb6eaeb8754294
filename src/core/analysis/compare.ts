import { z } from 'zod'
import { gainName } from '../../shared/contract/analysis'
import {
  compareOptions,
  type CompareGroup,
  type CompareOptions,
  type CompareResult,
  type CompareSelection,
  type GroupKey,
} from '../../shared/contract/compare'
import { MEASURES } from '../../shared/measures'
import type { Session } from '../../shared/model'
import { errorMessage, UserError } from '../errors'
import type { PlanStore } from '../store/plan-store'
import type { SessionStore } from '../store/session-store'
import { analyzeSession } from './analyze'
import { fisherZTest, linearFit, MIN_PAIRS, pearson } from './stats'

const gains = gainName.options
const gainField = { min: 'audioMinGain', mean: 'audioMeanGain', max: 'audioMaxGain' } as const

function keyOf(s: Session, fields: readonly string[]): GroupKey {
  return Object.fromEntries(
    fields.map((f) => {
      const v = s[f as keyof Session]
      return [f, Array.isArray(v) ? v.join(', ') : (v as string | number | null)]
    }),
  )
}

/** The sessions a selection names, in order: a plan's completed runs, ids as given, or a search's finds. */
export function selectedSessionIds(
  store: SessionStore,
  plans: PlanStore,
  sel: CompareSelection,
  purpose = 'compare',
): number[] {
  const ids =
    'planId' in sel
      ? plans.completedSessions(sel.planId)
      : 'sessionIds' in sel
        ? sel.sessionIds
        : store.listSessions(sel.search).map((s) => s.id)
  if (ids.length === 0)
    throw new UserError(
      'planId' in sel
        ? `plan ${sel.planId} has no completed runs to ${purpose} yet`
        : 'search' in sel
          ? `no session matches "${sel.search}"`
          : 'name at least one session',
    )
  return ids
}

/** Pearson r, fit and pairs of each gain against the level, over the intervals of all the group's sessions. */
function pooledGroup(key: GroupKey, members: { id: number; pairs: CompareGroup['pairs'] }[]): CompareGroup {
  const pairs = members.flatMap((m) => m.pairs)
  const stat = <T>(fn: (x: number[], y: number[]) => T) =>
    Object.fromEntries(
      gains.map((g) => {
        const usable = pairs.filter((p) => p[g] !== null)
        return [
          g,
          usable.length < MIN_PAIRS
            ? null
            : fn(
                usable.map((p) => p.level),
                usable.map((p) => p[g] as number),
              ),
        ]
      }),
    ) as Record<(typeof gains)[number], T | null>
  const fits = stat(linearFit)
  return {
    key,
    sessions: members.map((m) => m.id),
    n: pairs.length,
    pearson: stat((x, y) => {
      const p = pearson(x, y)
      return { r: p.r, ci: p.ci, p: p.p, n: p.n }
    }),
    fits: Object.fromEntries(
      gains.map((g) => {
        const f = fits[g]
        return [
          g,
          f && f.slope !== null && f.intercept !== null ? { slope: f.slope, intercept: f.intercept } : null,
        ]
      }),
    ) as CompareGroup['fits'],
    pairs,
  }
}

/**
 * Per-condition analysis: sessions grouped by metadata fields (e.g. micMode, distanceCm), each session's
 * telemetry aligned with its played levels as analyzeSession does, the intervals of a group pooled, Pearson
 * r per group with its CI, and Fisher's z test between every two groups for each gain.
 */
export function compareSessions(
  store: SessionStore,
  plans: PlanStore,
  options: CompareOptions,
): CompareResult {
  const parsed = compareOptions.safeParse(options)
  if (!parsed.success) throw new UserError(z.prettifyError(parsed.error))
  const o = parsed.data
  const sessions = selectedSessionIds(store, plans, o.select).map((id) => store.getSession(id))
  const skipped: CompareResult['skipped'] = []
  const byKey = new Map<string, { key: GroupKey; members: { id: number; pairs: CompareGroup['pairs'] }[] }>()
  for (const s of sessions) {
    let analysis
    try {
      analysis = analyzeSession(store, s.id, o.align)
    } catch (err) {
      if (!(err instanceof UserError)) throw err
      skipped.push({ sessionId: s.id, reason: errorMessage(err) })
      continue
    }
    const withLevel = analysis.pairs.filter((p) => p[o.level] !== null)
    if (withLevel.length === 0 && analysis.pairs.length > 0) {
      // Only the paper's magnitudes can be missing: sessions recorded before MuteScope kept them.
      skipped.push({
        sessionId: s.id,
        reason: `it has no ${MEASURES[o.level].name('A')} (recorded before MuteScope kept it); compare by an IEC level`,
      })
      continue
    }
    const pairs = withLevel.map((p) => ({
      sessionId: s.id,
      level: p[o.level] as number,
      ...Object.fromEntries(gains.map((g) => [g, p[gainField[g]]])),
    })) as CompareGroup['pairs']
    const key = keyOf(s, o.groupBy)
    const id = JSON.stringify(key)
    const group = byKey.get(id) ?? { key, members: [] }
    group.members.push({ id: s.id, pairs })
    byKey.set(id, group)
  }
  const groups = [...byKey.values()].map((g) => pooledGroup(g.key, g.members))
  const differences: CompareResult['differences'] = []
  for (let i = 0; i < groups.length; i++)
    for (let j = i + 1; j < groups.length; j++)
      for (const gain of gains) {
        const a = groups[i].pearson[gain]
        const b = groups[j].pearson[gain]
        const test = a && b ? fisherZTest(a, b) : null
        differences.push({ a: groups[i].key, b: groups[j].key, gain, z: test?.z ?? null, p: test?.p ?? null })
      }
  return { level: o.level, groupBy: o.groupBy, groups, differences, skipped }
}
