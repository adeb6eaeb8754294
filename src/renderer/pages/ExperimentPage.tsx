import { useEffect, useState } from 'react'
import type { ExperimentPlanInput, ExperimentState, TargetStatus } from '../../shared/contract/experiment'
import { api } from '../api'
import { CaptureInspector } from '../components/CaptureInspector'
import { deviceLabel } from '../components/charts/deviceSeries'
import { clockText } from '../components/DeviceStats'
import { MicPanel } from '../components/MicPanel'
import { SessionReview } from '../components/SessionReview'
import { ErrorState, Loading } from '../components/Status'
import { useExperiment } from '../experimentStore'
import { useNav } from '../nav'
import { useWizardDraft } from '../wizardDraft'
import { ExperimentWizard } from './ExperimentWizard'

export function ExperimentPage() {
  const { state, refresh } = useExperiment()
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    refresh().catch((err: Error) => setError(err.message))
  }, [refresh])

  async function start(plan: ExperimentPlanInput) {
    setError(null)
    useWizardDraft.setState({ lastPlan: plan })
    try {
      await api.startExperiment(plan)
    } catch (err) {
      setError((err as Error).message)
    }
  }

  async function startDemo() {
    setError(null)
    try {
      await start(await api.demoPlan({}))
    } catch (err) {
      setError((err as Error).message)
    }
  }

  return (
    <section aria-labelledby="experiment-title">
      <header className="page-header">
        <h1 id="experiment-title">Experiment</h1>
        {state?.phase === 'idle' && (
          <button type="button" className="primary" onClick={() => void startDemo()}>
            Demo experiment
          </button>
        )}
      </header>
      {error && <ErrorState error={error} />}
      {!state && !error && <Loading what="the experiment" />}
      {state && state.finished && state.phase === 'idle' && (
        <Outcome state={state} onRunAgain={(p) => void start(p)} />
      )}
      {state && state.phase === 'idle' && (
        <>
          <MicPanel />
          <ExperimentWizard onStart={(p) => void start(p)} />
        </>
      )}
      {state && state.phase !== 'idle' && <LiveRun state={state} onError={setError} />}
    </section>
  )
}

function Outcome({
  state,
  onRunAgain,
}: {
  state: ExperimentState
  onRunAgain: (p: ExperimentPlanInput) => void
}) {
  const { go } = useNav()
  const lastPlan = useWizardDraft((s) => s.lastPlan)
  const f = state.finished!
  return (
    <div className={`state ${f.status === 'completed' ? 'done' : 'error'}`} role="status">
      Last run: session {f.sessionId} ended <strong>{f.status}</strong>
      {f.reason ? ` (${f.reason})` : ''}.{' '}
      <button type="button" className="link" onClick={() => go('sessions', f.sessionId)}>
        Review it
      </button>
      {lastPlan && (
        <>
          {' '}
          <button type="button" onClick={() => onRunAgain(lastPlan)}>
            Run again
          </button>
        </>
      )}
    </div>
  )
}

/** Keys typed into these are text, not shortcuts. */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  return !!el && (['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || el.isContentEditable)
}

function LiveRun({ state, onError }: { state: ExperimentState; onError: (e: string) => void }) {
  const { revision, micRevision, log, captureRate } = useExperiment()
  const p = state.progress
  const call = (fn: () => Promise<unknown>) => fn().catch((err: Error) => onError(err.message))
  const canMute = state.sessionId !== null && (state.phase === 'running' || state.phase === 'starting')
  const muted = state.muted
  // M mutes and unmutes, as in the conferencing apps, wherever the focus is but in a text field.
  useEffect(() => {
    if (!canMute) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() !== 'm' || e.ctrlKey || e.metaKey || e.altKey || e.repeat || typing(e.target))
        return
      e.preventDefault()
      api.muteExperiment({ muted: !muted }).catch((err: Error) => onError(err.message))
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [canMute, muted, onError])
  return (
    <>
      <div className="card">
        <div className="row">
          <span className={`badge ${state.phase === 'running' && !p?.paused ? 'running' : ''}`}>
            {state.phase === 'running' && p?.paused ? 'paused' : state.phase}
          </span>
          <strong>Session {state.sessionId}</strong>
          <span className="muted">
            target pid {state.targetPid ?? '…'} · {state.hooks.length} hooks · {state.captures} captures (
            {captureRate.toFixed(1)}/s) · {state.telemetry} telemetry records · {state.windows} level windows
          </span>
          <span style={{ flex: 1 }} />
          <button
            type="button"
            className={state.muted ? 'muted-on' : undefined}
            aria-pressed={state.muted}
            aria-keyshortcuts="M"
            title={`${state.muted ? 'Unmute: the app hears again' : 'Mute: mark the app as muted from now'} (M)`}
            disabled={!canMute}
            onClick={() => call(() => api.muteExperiment({ muted: !muted }))}
          >
            {state.muted ? 'Unmute' : 'Mute'}
          </button>
          <button
            type="button"
            disabled={state.phase !== 'running'}
            onClick={() => call(() => api.pauseExperiment({ paused: !p?.paused }))}
          >
            {p?.paused ? 'Resume' : 'Pause'}
          </button>
          <button
            type="button"
            className="danger"
            disabled={state.phase === 'stopping'}
            onClick={() => call(() => api.stopExperiment({}))}
          >
            Stop
          </button>
        </div>
        {p && (
          <label>
            {p.paused ? 'Paused at' : 'Playing'} {p.episode.split(/[\\/]/).pop()} ({p.index + 1}/
            {state.plan?.episodes.length ?? 1}): {p.positionS.toFixed(0)} s
            {p.durationS ? ` of ${p.durationS.toFixed(0)} s` : ''}
            <progress
              aria-label="Playback progress"
              value={p.positionS}
              max={p.durationS ?? Math.max(p.positionS, 1)}
            />
          </label>
        )}
        {state.processes.length > 0 && (
          <details open={state.processes.length <= 3}>
            <summary>
              Processes ({state.processes.filter((x) => x.status === 'attached').length} attached of{' '}
              {state.processes.length})
            </summary>
            <table className="processes">
              <thead>
                <tr>
                  <th scope="col">pid</th>
                  <th scope="col">process</th>
                  <th scope="col">status</th>
                  <th scope="col">TLS found, and how it is reached</th>
                </tr>
              </thead>
              <tbody>
                {state.processes.map((x) => (
                  <tr key={x.pid}>
                    <td className="mono">{x.pid}</td>
                    <td>{x.name}</td>
                    <td>{x.status}</td>
                    <td>{x.tls.length > 0 ? x.tls.join('; ') : 'none found'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        )}
        {state.targets && <TargetsTable targets={state.targets} />}
        {state.hooks.length > 0 && (
          <details>
            <summary>Hooked functions ({state.hooks.length})</summary>
            <ul className="hooks">
              {state.hooks.map((h) => (
                <li key={`${h.module}!${h.fn}`}>
                  <code>{h.fn}</code> in {h.module}
                </li>
              ))}
            </ul>
          </details>
        )}
        {state.lastError && <ErrorState error={state.lastError} />}
      </div>
      {state.sessionId !== null && (
        <SessionReview sessionId={state.sessionId} revision={revision} micRevision={micRevision} />
      )}
      <div className="panels">
        {state.sessionId !== null && <CaptureInspector sessionId={state.sessionId} revision={revision} />}
        <div className="card">
          <h2>Log</h2>
          <ol className="log" aria-live="polite">
            {log.slice(-30).map((l, i) => (
              <li key={i} className={l.level}>
                {new Date(l.t).toLocaleTimeString()} {l.message}
              </li>
            ))}
          </ol>
        </div>
      </div>
    </>
  )
}

/** A multi-device run's targets as they go: which are capturing, which are lost (a gap in their series). */
function TargetsTable({ targets }: { targets: readonly TargetStatus[] }) {
  return (
    <table className="processes" aria-label="Targets">
      <thead>
        <tr>
          <th scope="col">device</th>
          <th scope="col">target</th>
          <th scope="col">status</th>
          <th scope="col">telemetry records</th>
          <th scope="col">clock offset</th>
        </tr>
      </thead>
      <tbody>
        {targets.map((t) => (
          <tr key={`${t.device}\u0000${t.target}`}>
            <td>{deviceLabel(t.device)}</td>
            <td>{t.target}</td>
            <td>{t.status === 'lost' ? 'lost: its series has a gap' : t.status}</td>
            <td>{t.telemetry}</td>
            <td>{clockText(t.clock)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
