import { useEffect, useState } from 'react'
import { conditionLabel, type PlanRecord, type PlanSummary } from '../../shared/contract/plans'
import { api } from '../api'
import { Empty, ErrorState, Loading } from '../components/Status'
import { useNav } from '../nav'
import { useRequest } from '../useRequest'
import { PlanWizard } from './PlanWizard'

export function duration(s: number | null): string {
  if (s === null) return 'unknown'
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s % 60} s` : `${s} s`
}

/** Reloads whenever a plan changes (its runs start and end, it waits or stops). */
function usePlanEvents(reload: () => void): void {
  useEffect(() => api.onPlanEvent(() => reload()), [reload])
}

export function PlansPage() {
  const { planId, go } = useNav()
  if (planId) return <PlanDetail id={planId} onClose={() => go('plans')} />
  return <PlanList onOpen={(id) => go('plans', id)} />
}

function PlanList({ onOpen }: { onOpen: (id: number) => void }) {
  const [list, reload] = useRequest(() => api.listPlans({}), [])
  const [creating, setCreating] = useState(false)
  usePlanEvents(reload)
  return (
    <section aria-labelledby="plans-title">
      <header className="page-header">
        <h1 id="plans-title">Plans</h1>
        {!creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New plan
          </button>
        )}
      </header>
      {creating && <PlanWizard onStarted={onOpen} onCancel={() => setCreating(false)} />}
      {list.state === 'loading' && <Loading what="plans" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={reload} />}
      {list.state === 'ready' && list.data.length === 0 && !creating && (
        <Empty>
          <p>
            No plans yet. A plan runs every condition × episode × repeat of a study as a queue of sessions,
            unattended; make one with New plan.
          </p>
        </Empty>
      )}
      {list.state === 'ready' && list.data.length > 0 && <PlanTable plans={list.data} onOpen={onOpen} />}
    </section>
  )
}

function PlanTable({ plans, onOpen }: { plans: PlanSummary[]; onOpen: (id: number) => void }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">Runs done</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {plans.map((p) => (
          <tr key={p.planId}>
            <td>{p.planId}</td>
            <td>
              <button type="button" className="link" onClick={() => onOpen(p.planId)}>
                {p.name}
              </button>
            </td>
            <td>
              <span className={`badge ${p.status}`}>{p.status}</span>
            </td>
            <td>
              {p.done} of {p.total}
            </td>
            <td>{new Date(p.createdAt).toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function PlanDetail({ id, onClose }: { id: number; onClose: () => void }) {
  const { go } = useNav()
  const [plan, reload] = useRequest(() => api.getPlan({ planId: id }), [id])
  const [error, setError] = useState<string | null>(null)
  usePlanEvents(reload)
  const call = (fn: () => Promise<unknown>) => {
    setError(null)
    fn().then(reload, (err: Error) => setError(err.message))
  }
  const p = plan.state === 'ready' && plan.data.planId === id ? plan.data : null
  const live = p !== null && (p.status === 'running' || p.status === 'waiting')
  const resumable = p !== null && !live && p.runs.some((r) => r.status !== 'completed')
  return (
    <section aria-labelledby="plan-title">
      <header className="page-header">
        <button type="button" onClick={onClose} aria-label="Back to plans">
          ← Plans
        </button>
        <h1 id="plan-title">{p ? p.name : `Plan ${id}`}</h1>
        {p && (
          <div className="row">
            {p.status === 'running' && (
              <button type="button" onClick={() => go('experiment')}>
                Watch the current run
              </button>
            )}
            {resumable && (
              <button
                type="button"
                className="primary"
                onClick={() => call(() => api.resumePlan({ planId: id }))}
              >
                Resume
              </button>
            )}
            <button type="button" disabled={p.done === 0} onClick={() => go('compare', id)}>
              Compare conditions
            </button>
            {live && (
              <button
                type="button"
                className="danger"
                onClick={() => call(() => api.stopPlan({ planId: id }))}
              >
                Stop plan
              </button>
            )}
          </div>
        )}
      </header>
      {error && <ErrorState error={error} />}
      {plan.state === 'error' && <ErrorState error={plan.error} onRetry={reload} />}
      {!p && plan.state !== 'error' && <Loading what="the plan" />}
      {p && <PlanProgress plan={p} onContinue={() => call(() => api.continuePlan({ planId: id }))} />}
      {p && <RunTable plan={p} onOpenSession={(s) => go('sessions', s)} />}
    </section>
  )
}

function PlanProgress({ plan: p, onContinue }: { plan: PlanRecord; onContinue: () => void }) {
  return (
    <div className="card">
      <div className="row">
        <span className={`badge ${p.status}`}>{p.status}</span>
        <span>
          {p.done} of {p.total} runs done
          {p.etaS !== null && ` · about ${duration(p.etaS)} left`}
        </span>
        {p.reason && <span className="muted">{p.reason}</span>}
      </div>
      <progress aria-label="Plan progress" value={p.done} max={p.total} />
      {p.waiting && (
        <div className="state done row" role="alert">
          <strong>Before condition {p.waiting.condition + 1}:</strong> {p.waiting.instruction}
          <span style={{ flex: 1 }} />
          <button type="button" className="primary" onClick={onContinue}>
            Continue
          </button>
        </div>
      )}
    </div>
  )
}

function RunTable({ plan, onOpenSession }: { plan: PlanRecord; onOpenSession: (id: number) => void }) {
  return (
    <table aria-label="Runs">
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Condition</th>
          <th scope="col">Repeat</th>
          <th scope="col">Episode</th>
          <th scope="col">Status</th>
          <th scope="col">Session</th>
        </tr>
      </thead>
      <tbody>
        {plan.runs.map((r) => (
          <tr key={r.run}>
            <td>{r.run}</td>
            <td>{conditionLabel(plan.spec.conditions[r.condition], r.condition)}</td>
            <td>{r.repeat}</td>
            <td title={r.episode}>{r.episode.split(/[\\/]/).pop()}</td>
            <td>
              <span className={`badge ${r.status}`}>{r.status}</span>{' '}
              {r.reason && <span className="muted">{r.reason}</span>}
            </td>
            <td>
              {r.sessionId !== null && (
                <button type="button" className="link" onClick={() => onOpenSession(r.sessionId!)}>
                  Session {r.sessionId}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
