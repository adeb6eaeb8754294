import type { Command } from 'commander'
import { createInterface } from 'node:readline'
import { EventHub } from '../../core/api/event-hub'
import { UserError } from '../../core/errors'
import { readPlanFile } from '../../core/experiment/plan-file'
import { planEta, planTiming, PlanRunner } from '../../core/experiment/plan-runner'
import { realParts } from '../../core/experiment/real-parts'
import { ExperimentRunner } from '../../core/experiment/runner'
import { dataDir } from '../../core/paths'
import { PlanStore } from '../../core/store/plan-store'
import { SessionStore } from '../../core/store/session-store'
import type { PlanRecord, PlanSpec } from '../../shared/contract/plans'
import { action, positiveInt, printJsonLine } from '../action'
import { callApi } from '../dispatch'

interface RunOptions {
  json?: boolean
  unattended?: boolean
}

function duration(s: number | null): string {
  if (s === null) return 'unknown'
  const m = Math.floor(s / 60)
  return m > 0 ? `${m} min ${s % 60} s` : `${s} s`
}

function describePlan(p: PlanRecord): string {
  const lines = [
    `plan ${p.planId} "${p.name}": ${p.status}${p.reason ? ` (${p.reason})` : ''}, ${p.done} of ${p.total} runs done` +
      (p.etaS !== null ? `, about ${duration(p.etaS)} left` : ''),
  ]
  if (p.waiting) lines.push(`waiting: ${p.waiting.instruction}`)
  for (const r of p.runs)
    lines.push(
      `  run ${String(r.run).padStart(3)}  condition ${r.condition + 1}  repeat ${r.repeat}  ${r.status.padEnd(11)}` +
        `  session ${r.sessionId ?? '-'}${r.reason ? `  ${r.reason}` : ''}`,
    )
  return lines.join('\n') + '\n'
}

/**
 * Runs a plan's queue in this process (a new plan, or the rest of one), printing a line per finished run.
 * Instructions wait for Enter on a terminal; without one, --unattended prints them and goes on, and a plan
 * with instructions is refused up front rather than stalling with nobody to press Enter.
 */
async function drivePlan(
  opts: RunOptions,
  begin: (runner: PlanRunner) => Promise<PlanRecord>,
  spec: PlanSpec,
): Promise<void> {
  const interactive = process.stdin.isTTY === true && !opts.unattended
  const instructed = spec.conditions.filter((c) => c.instruction)
  if (instructed.length > 0 && !interactive && !opts.unattended)
    throw new UserError(
      `the plan pauses for ${instructed.length} instruction(s) (e.g. "${instructed[0].instruction}") and stdin is not a terminal to press Enter on: ` +
        'run it from a terminal, or pass --unattended to print each instruction and go straight on',
    )
  const dir = dataDir()
  const store = SessionStore.open({ dir })
  const events = new EventHub()
  const experiment = new ExperimentRunner(store, events, realParts(dir))
  const runner = new PlanRunner(new PlanStore(store), events, experiment)
  const log = opts.json ? process.stderr : process.stdout
  let planId: number | null = null
  let answered: string | null = null
  const keyboard = interactive ? createInterface({ input: process.stdin }) : null
  events.on('experimentEvent', (e) => {
    if (e.type === 'log') log.write(`[${e.level}] ${e.message}\n`)
  })
  events.on('planEvent', (e) => {
    if (e.type === 'run') {
      const line = { run: e.run, sessionId: e.sessionId, status: e.status }
      if (opts.json) printJsonLine(line)
      else process.stdout.write(`run ${e.run}: session ${e.sessionId ?? '-'} ${e.status}\n`)
      return
    }
    const w = e.plan.waiting
    const at = w && `${e.plan.planId}:${w.condition}:${e.plan.done}`
    if (!w || at === answered) return
    answered = at
    process.stderr.write(`\n>>> ${w.instruction}\n`)
    if (!keyboard) {
      process.stderr.write('(--unattended: going on)\n')
      runner.continue(e.plan.planId)
    } else {
      process.stderr.write('Press Enter when done (Ctrl-C stops the plan) ')
      keyboard.once('line', () => runner.continue(e.plan.planId))
    }
  })
  const interrupt = () => {
    if (planId !== null) void runner.stop(planId).catch(() => undefined)
  }
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  try {
    const started = await begin(runner)
    planId = started.planId
    if (!opts.json)
      process.stdout.write(
        `plan ${planId} "${started.name}": ${started.total} runs, about ${duration(started.etaS)}\n`,
      )
    const end = await runner.finished(planId)
    const sessions = end.runs.flatMap((r) => (r.sessionId === null ? [] : [r.sessionId]))
    if (opts.json) printJsonLine({ planId, sessions })
    else process.stdout.write(describePlan(end))
    if (end.status !== 'completed' || end.runs.some((r) => r.status !== 'completed')) process.exitCode = 1
  } finally {
    keyboard?.close()
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
    store.close()
  }
}

export function registerPlan(program: Command): void {
  const plan = program
    .command('plan')
    .description('experiment plans: conditions × episodes × repeats, run unattended as a queue of sessions')
  const id = positiveInt('plan id')
  const unattended = [
    '--unattended',
    'print instructions and go on without waiting for Enter (needed when stdin is not a terminal)',
  ] as const

  plan
    .command('run <plan>')
    .description('run a plan file (JSON, or YAML named .yaml): one session per condition × episode × repeat')
    .option(
      '--json',
      'print one JSON line per finished run, then the plan id and its sessions (log on stderr)',
    )
    .option(...unattended)
    .action(
      action(async (file: string, opts: RunOptions) => {
        const spec = readPlanFile(file)
        await drivePlan(opts, (runner) => runner.start(spec), spec)
      }),
    )

  plan
    .command('resume <planId>')
    .description('run the runs of a stopped or interrupted plan that have not completed')
    .option(
      '--json',
      'print one JSON line per finished run, then the plan id and its sessions (log on stderr)',
    )
    .option(...unattended)
    .action(
      action(async (raw: string, opts: RunOptions) => {
        const planId = id(raw)
        const { spec } = await callApi('getPlan', { planId })
        await drivePlan(opts, (runner) => runner.resume(planId), spec)
      }),
    )

  plan
    .command('status <planId>')
    .description('show a plan: its runs, their sessions, progress and ETA')
    .option('--json', 'print JSON')
    .action(
      action(async (raw: string, opts: { json?: boolean }) => {
        const record = await callApi('getPlan', { planId: id(raw) })
        const live =
          record.status === 'running' || record.status === 'waiting'
            ? await planTiming(record.spec).then(
                (t) => planEta(record, t.episodeS, t.intervalS),
                () => null,
              )
            : null
        const shown = { ...record, etaS: live }
        if (opts.json) printJsonLine(shown)
        else process.stdout.write(describePlan(shown))
      }),
    )

  plan
    .command('list')
    .description('list stored plans, newest first')
    .option('--json', 'print a JSON array')
    .action(
      action(async (opts: { json?: boolean }) => {
        const list = await callApi('listPlans', {})
        if (opts.json) printJsonLine(list)
        else if (list.length === 0) process.stdout.write('no plans yet\n')
        else
          process.stdout.write(
            list
              .map(
                (p) =>
                  `${String(p.planId).padStart(5)}  ${p.status.padEnd(11)}  ${p.done}/${p.total}  ${p.name}`,
              )
              .join('\n') + '\n',
          )
      }),
    )
}
