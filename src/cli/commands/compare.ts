import type { Command } from 'commander'
import { compareSessions } from '../../core/analysis/compare'
import { UserError } from '../../core/errors'
import { PlanStore } from '../../core/store/plan-store'
import { SessionStore } from '../../core/store/session-store'
import { alignMethod, type AlignMethod } from '../../shared/contract/analysis'
import type { CompareOptions, CompareResult, GroupKey } from '../../shared/contract/compare'
import {
  ALIGN_METHOD_NAMES,
  LEVEL_MEASURES,
  levelMeasure,
  MEASURE_FAMILIES,
  MEASURES,
} from '../../shared/measures'
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

function summary(r: CompareResult, method: AlignMethod): string {
  const m = MEASURES[r.level]
  const lines: string[] = [
    `gains against ${m.name('A')} (${MEASURE_FAMILIES[m.method]}: ${m.description}) over ${ALIGN_METHOD_NAMES[method]}`,
  ]
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
    .option(
      '--level <measure>',
      'measure of the played audio in each window the gains are correlated with: ' +
        LEVEL_MEASURES.map((m) => `${m} (${MEASURES[m].description})`).join('; '),
      'laeq',
    )
    .option(
      '--method <method>',
      `how windows are placed: aligned (${ALIGN_METHOD_NAMES.aligned}) or fixed (${ALIGN_METHOD_NAMES.fixed}, one per telemetry interval)`,
      'aligned',
    )
    .option('--json', 'print one JSON object')
    .action(
      action((ids: string[], opts: Options) => {
        const select = sessionSelection(ids, opts)
        const level = levelMeasure.safeParse(opts.level)
        if (!level.success)
          throw new UserError(`--level must be one of ${LEVEL_MEASURES.join(', ')}, got "${opts.level}"`)
        const method = alignMethod.safeParse(opts.method)
        if (!method.success) throw new UserError(`--method must be aligned or fixed, got "${opts.method}"`)
        const store = SessionStore.open()
        let result: CompareResult
        try {
          result = compareSessions(store, new PlanStore(store), {
            select,
            // Validated by compareSessions, which names the fields there are.
            groupBy: opts.groupBy.split(',').map((f) => f.trim()) as CompareOptions['groupBy'],
            level: level.data,
            align: { method: method.data },
          })
        } finally {
          store.close()
        }
        for (const s of result.skipped)
          process.stderr.write(`mutescope: left out session ${s.sessionId}: ${s.reason}\n`)
        if (opts.json) printJsonLine(compareJson(result))
        else process.stdout.write(summary(result, method.data))
      }),
    )
}
