import type { Command } from 'commander'
import { compareSessions } from '../../core/analysis/compare'
import { UserError } from '../../core/errors'
import { PlanStore } from '../../core/store/plan-store'
import { SessionStore } from '../../core/store/session-store'
import type { CompareOptions, CompareResult, GroupKey } from '../../shared/contract/compare'
import { action, printJsonLine } from '../action'
import { sessionSelection } from '../selection'

interface Options {
  plan?: string
  search?: string
  groupBy: string
  level: string
  method: string
  json?: boolean
}

/** The JSON the contract names: groups with n and r per gain, and the Fisher z tests between them. */
export function compareJson(r: CompareResult) {
  return {
    groups: r.groups.map((g) => ({
      key: g.key,
      sessions: g.sessions,
      n: g.n,
      pearson: {
        min: g.pearson.min && { r: g.pearson.min.r, ci: g.pearson.min.ci, p: g.pearson.min.p },
        mean: g.pearson.mean && { r: g.pearson.mean.r, ci: g.pearson.mean.ci, p: g.pearson.mean.p },
        max: g.pearson.max && { r: g.pearson.max.r, ci: g.pearson.max.ci, p: g.pearson.max.p },
      },
    })),
    differences: r.differences.map((d) => ({ a: d.a, b: d.b, gain: d.gain, z: d.z, p: d.p })),
  }
}

const keyText = (k: GroupKey) =>
  Object.entries(k)
    .map(([f, v]) => `${f}=${v ?? '(none)'}`)
    .join(', ')
const num = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? 'n/a' : v.toFixed(d))
const pv = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toPrecision(2))

function summary(r: CompareResult): string {
  const lines: string[] = []
  for (const g of r.groups) {
    lines.push(`${keyText(g.key)}: ${g.sessions.length} session(s), ${g.n} intervals`)
    for (const gain of ['min', 'mean', 'max'] as const) {
      const s = g.pearson[gain]
      lines.push(
        `  ${(gain + ' gain').padEnd(9)}  r = ${num(s?.r)} [${num(s?.ci?.[0])}, ${num(s?.ci?.[1])}] p = ${pv(s?.p)}`,
      )
    }
  }
  for (const d of r.differences)
    lines.push(`${keyText(d.a)} vs ${keyText(d.b)}, ${d.gain} gain: z = ${num(d.z, 2)} p = ${pv(d.p)}`)
  return lines.join('\n') + '\n'
}

export function registerCompare(program: Command): void {
  program
    .command('compare [sessions...]')
    .description(
      'compare conditions: group sessions by metadata, pooled Pearson r per group, Fisher z test between groups',
    )
    .option('--plan <id>', "the completed runs of an experiment plan (see 'mutescope plan list')")
    .option('--search <text>', 'the sessions whose name, app, label, notes or status contain this')
    .option(
      '--group-by <fields>',
      'session metadata field(s), comma-separated, e.g. micMode,distanceCm',
      'micMode',
    )
    .option('--level <level>', 'level the gains are correlated with: laeq or lafmax', 'laeq')
    .option(
      '--method <method>',
      "aligned (by timestamps) or fixed (the authors' consecutive windows)",
      'aligned',
    )
    .option('--json', 'print one JSON object')
    .action(
      action((ids: string[], opts: Options) => {
        const select = sessionSelection(ids, opts)
        if (opts.level !== 'laeq' && opts.level !== 'lafmax')
          throw new UserError(`--level must be laeq or lafmax, got "${opts.level}"`)
        if (opts.method !== 'aligned' && opts.method !== 'fixed')
          throw new UserError(`--method must be aligned or fixed, got "${opts.method}"`)
        const store = SessionStore.open()
        let result: CompareResult
        try {
          result = compareSessions(store, new PlanStore(store), {
            select,
            // Validated by compareSessions, which names the fields there are.
            groupBy: opts.groupBy.split(',').map((f) => f.trim()) as CompareOptions['groupBy'],
            level: opts.level,
            align: { method: opts.method },
          })
        } finally {
          store.close()
        }
        for (const s of result.skipped)
          process.stderr.write(`mutescope: left out session ${s.sessionId}: ${s.reason}\n`)
        if (opts.json) printJsonLine(compareJson(result))
        else process.stdout.write(summary(result))
      }),
    )
}
