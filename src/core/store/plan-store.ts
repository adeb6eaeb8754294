import type {
  PlanRecord,
  PlanRun,
  PlanRunStatus,
  PlanSpec,
  PlanStatus,
  PlanSummary,
} from '../../shared/contract/plans'
import { planSpec } from '../../shared/contract/plans'
import { UserError } from '../errors'
import { processAlive, processStartTime } from '../process-start'
import type { SessionStore } from './session-store'

interface PlanRow {
  id: number
  name: string
  spec: string
  status: PlanStatus
  status_reason: string | null
  created_at: number
  ended_at: number | null
  owner_pid: number | null
  owner_start: number | null
}

interface RunRow {
  run: number
  condition_index: number
  repeat: number
  episode: string
  session_id: number | null
  status: PlanRunStatus
  reason: string | null
  started_at: number | null
  ended_at: number | null
}

/** One run of the queue before it has run. */
export interface QueuedRun {
  condition: number
  repeat: number
  episode: string
}

const ownStart = processStartTime(process.pid)

function toRun(r: RunRow): PlanRun {
  return {
    run: r.run,
    condition: r.condition_index,
    repeat: r.repeat,
    episode: r.episode,
    sessionId: r.session_id,
    status: r.status,
    reason: r.reason,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  }
}

/** The instruction a waiting plan shows: the one of the condition its next run belongs to. */
function waitingOn(spec: PlanSpec, status: PlanStatus, runs: readonly PlanRun[]): PlanRecord['waiting'] {
  if (status !== 'waiting') return null
  const next = runs.find((r) => r.status !== 'completed' && r.status !== 'failed')
  const instruction = next && spec.conditions[next.condition].instruction
  return next && instruction ? { condition: next.condition, instruction } : null
}

/**
 * Experiment plans in the session database: the plan as written, and its queue of runs with the session each
 * one recorded. Every change is committed as it happens, so a crash loses no finished run; a plan whose
 * process died is found "interrupted" at the next start and can be resumed.
 */
export class PlanStore {
  private readonly db: SessionStore['db']

  constructor(store: SessionStore) {
    this.db = store.db
    this.recoverCrashed()
  }

  create(spec: PlanSpec, queue: readonly QueuedRun[]): number {
    return this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO plans (name, spec, status, created_at, owner_pid, owner_start)
           VALUES (?, ?, 'running', ?, ?, ?)`,
        )
        .run(spec.name, JSON.stringify(spec), Date.now(), process.pid, ownStart)
      const id = Number(info.lastInsertRowid)
      const add = this.db.prepare(
        `INSERT INTO plan_runs (plan_id, run, condition_index, repeat, episode, status)
         VALUES (?, ?, ?, ?, ?, 'pending')`,
      )
      queue.forEach((q, i) => add.run(id, i + 1, q.condition, q.repeat, q.episode))
      return id
    })()
  }

  get(id: number): PlanRecord {
    const row = this.db.prepare(`SELECT * FROM plans WHERE id = ?`).get(id) as PlanRow | undefined
    if (!row) throw new UserError(`no plan with id ${id}; "mutescope plan list" shows the plans`, 'not_found')
    const runs = (
      this.db.prepare(`SELECT * FROM plan_runs WHERE plan_id = ? ORDER BY run`).all(id) as RunRow[]
    ).map(toRun)
    const spec = planSpec.parse(JSON.parse(row.spec))
    return {
      planId: row.id,
      name: row.name,
      status: row.status,
      reason: row.status_reason,
      createdAt: row.created_at,
      endedAt: row.ended_at,
      spec,
      runs,
      done: runs.filter((r) => r.status === 'completed' || r.status === 'failed').length,
      total: runs.length,
      etaS: null,
      waiting: waitingOn(spec, row.status, runs),
    }
  }

  list(): PlanSummary[] {
    const ids = this.db.prepare(`SELECT id FROM plans ORDER BY created_at DESC, id DESC`).all() as {
      id: number
    }[]
    return ids.map(({ id }) => {
      const { spec: _s, runs: _r, ...summary } = this.get(id)
      return summary
    })
  }

  /**
   * Marks the plan as run by this process from now on (a resume): every run that did not complete is queued
   * again (its earlier session stays in the store, no longer the run's).
   */
  claim(id: number): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE plans SET status = 'running', status_reason = NULL, ended_at = NULL, owner_pid = ?,
             owner_start = ? WHERE id = ?`,
        )
        .run(process.pid, ownStart, id)
      this.db
        .prepare(
          `UPDATE plan_runs SET status = 'pending', session_id = NULL, reason = NULL, started_at = NULL,
             ended_at = NULL WHERE plan_id = ? AND status != 'completed'`,
        )
        .run(id)
    })()
  }

  setStatus(id: number, status: PlanStatus, reason: string | null = null): void {
    const over = status !== 'running' && status !== 'waiting'
    this.db
      .prepare(
        `UPDATE plans SET status = ?, status_reason = ?, ended_at = ?,
           owner_pid = CASE WHEN ? THEN NULL ELSE owner_pid END WHERE id = ?`,
      )
      .run(status, reason, over ? Date.now() : null, over ? 1 : 0, id)
  }

  startRun(id: number, run: number, sessionId: number | null): void {
    this.db
      .prepare(
        `UPDATE plan_runs SET status = 'running', session_id = ?, reason = NULL, started_at = ?, ended_at = NULL
         WHERE plan_id = ? AND run = ?`,
      )
      .run(sessionId, Date.now(), id, run)
  }

  endRun(
    id: number,
    run: number,
    status: Exclude<PlanRunStatus, 'pending' | 'running'>,
    reason: string | null,
    sessionId: number | null,
  ): void {
    this.db
      .prepare(
        `UPDATE plan_runs SET status = ?, reason = ?, session_id = COALESCE(?, session_id), ended_at = ?
         WHERE plan_id = ? AND run = ?`,
      )
      .run(status, reason, sessionId, Date.now(), id, run)
  }

  /** The sessions of the plan's completed runs, in queue order. */
  completedSessions(id: number): number[] {
    this.get(id)
    return (
      this.db
        .prepare(
          `SELECT session_id AS id FROM plan_runs
           WHERE plan_id = ? AND status = 'completed' AND session_id IS NOT NULL ORDER BY run`,
        )
        .all(id) as { id: number }[]
    ).map((r) => r.id)
  }

  /** Plans left running or waiting by a process that no longer exists become "interrupted", as their runs. */
  private recoverCrashed(): void {
    const open = this.db
      .prepare(`SELECT id, owner_pid, owner_start FROM plans WHERE status IN ('running', 'waiting')`)
      .all() as Pick<PlanRow, 'id' | 'owner_pid' | 'owner_start'>[]
    const dead = open.filter(
      (p) =>
        !(p.owner_pid === process.pid && p.owner_start === ownStart) &&
        !processAlive(p.owner_pid, p.owner_start),
    )
    const reason = 'the process running the plan ended unexpectedly (crash or kill)'
    this.db.transaction(() => {
      for (const p of dead) {
        this.setStatus(p.id, 'interrupted', reason)
        this.db
          .prepare(
            `UPDATE plan_runs SET status = 'interrupted', reason = ? WHERE plan_id = ? AND status = 'running'`,
          )
          .run(reason, p.id)
      }
    })()
  }
}
