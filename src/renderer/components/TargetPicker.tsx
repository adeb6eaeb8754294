import { useEffect, useMemo, useState } from 'react'
import { fridaHost } from '../../shared/contract/capture'
import type { ExperimentState, ExperimentTarget } from '../../shared/contract/experiment'
import { api } from '../api'
import { useRequest } from '../useRequest'
import { ErrorState, Loading } from './Status'

type Backend = 'auto' | 'node' | 'python'

export interface PickedTarget {
  target: Extract<ExperimentTarget, { kind: 'pid' | 'name' | 'spawn' }>
  host: string | null
  backend: Backend
}

/**
 * Where to capture from: this computer or a remote frida-server, a running process (searchable) or a command
 * to spawn, and which Frida binding; shows the binding's status, the hooks in place and the live capture rate.
 */
export function TargetPicker({
  value,
  onChange,
}: {
  value: PickedTarget
  onChange: (v: PickedTarget) => void
}) {
  const [remote, setRemote] = useState(value.host !== null)
  const [hostText, setHostText] = useState(value.host ?? '')
  const [search, setSearch] = useState('')
  const [byName, setByName] = useState(value.target.kind === 'name')
  const [live, setLive] = useState<ExperimentState | null>(null)
  const hostCheck = fridaHost.safeParse(remote ? hostText.trim() : null)
  const host = hostCheck.success ? hostCheck.data : null
  const [status] = useRequest(() => api.captureBackendStatus({ backend: value.backend }), [value.backend])
  const [processes, reloadProcesses] = useRequest(
    () => (hostCheck.success ? api.listProcesses({ host, backend: value.backend }) : Promise.resolve([])),
    [host, value.backend, hostCheck.success],
  )
  const [rate, setRate] = useState(0)

  useEffect(() => {
    // Captures per second over the last 5 s of state updates.
    let samples: { t: number; n: number }[] = []
    const update = (state: ExperimentState) => {
      const now = Date.now()
      samples =
        state.phase === 'running'
          ? [...samples.filter((x) => now - x.t < 5000), { t: now, n: state.captures }]
          : []
      setLive(state)
      setRate(samples.length > 1 ? ((state.captures - samples[0].n) * 1000) / (now - samples[0].t) : 0)
    }
    api.experimentState({}).then(update, () => undefined)
    return api.onExperimentEvent((e) => {
      if (e.type === 'state') update(e.state)
    })
  }, [])

  const shown = useMemo(() => {
    if (processes.state !== 'ready') return []
    const q = search.trim().toLowerCase()
    return processes.data.filter((p) => !q || p.name.toLowerCase().includes(q) || String(p.pid).startsWith(q))
  }, [processes, search])

  const set = (patch: Partial<PickedTarget>) => onChange({ ...value, host, ...patch })
  const spawning = value.target.kind === 'spawn'
  const pick = (p: { pid: number; name: string }) =>
    set({ target: byName ? { kind: 'name', name: p.name } : { kind: 'pid', pid: p.pid } })

  return (
    <section className="card grid" aria-label="Capture target">
      <fieldset className="wide row">
        <legend>Device</legend>
        <label className="inline">
          <input type="radio" checked={!remote} onChange={() => (setRemote(false), set({ host: null }))} />{' '}
          This computer
        </label>
        <label className="inline">
          <input type="radio" checked={remote} onChange={() => setRemote(true)} /> Remote frida-server
        </label>
        {remote && (
          <input
            aria-label="frida-server HOST:PORT"
            placeholder="192.168.56.10:27042"
            value={hostText}
            aria-invalid={!hostCheck.success}
            onChange={(e) => setHostText(e.target.value)}
            onBlur={() => hostCheck.success && set({})}
          />
        )}
        {remote && !hostCheck.success && (
          <span className="error">HOST:PORT of a frida-server, e.g. 10.0.0.5:27042</span>
        )}
      </fieldset>

      <label>
        Frida binding
        <select value={value.backend} onChange={(e) => set({ backend: e.target.value as Backend })}>
          <option value="auto">auto</option>
          <option value="python">python (pip install frida)</option>
          <option value="node">node (npm install frida)</option>
        </select>
      </label>
      <p className="muted" role="status">
        {status.state === 'loading' && 'checking Frida…'}
        {status.state === 'error' && status.error}
        {status.state === 'ready' &&
          (status.data.available
            ? `Frida ${status.data.version} via ${status.data.kind}`
            : status.data.message)}
      </p>

      <fieldset className="wide row">
        <legend>Target</legend>
        <label className="inline">
          <input
            type="radio"
            checked={!spawning}
            onChange={() => set({ target: { kind: 'name', name: '' } })}
          />{' '}
          Running process
        </label>
        <label className="inline">
          <input
            type="radio"
            checked={spawning}
            onChange={() => set({ target: { kind: 'spawn', command: '' } })}
          />{' '}
          Spawn a command
        </label>
      </fieldset>

      {spawning ? (
        <label className="wide">
          Command (started suspended, hooked, then resumed: its first request is captured)
          <input
            value={value.target.kind === 'spawn' ? value.target.command : ''}
            placeholder='/opt/webex/bin/CiscoCollabHost --flag "quoted arg"'
            onChange={(e) => set({ target: { kind: 'spawn', command: e.target.value } })}
          />
        </label>
      ) : (
        <div className="wide">
          <div className="row">
            <input
              type="search"
              aria-label="Search processes"
              placeholder="name or pid"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
            <button type="button" onClick={reloadProcesses}>
              Refresh
            </button>
            <label className="inline">
              <input type="checkbox" checked={byName} onChange={(e) => setByName(e.target.checked)} /> attach
              by name
            </label>
          </div>
          {processes.state === 'loading' && <Loading what="processes" />}
          {processes.state === 'error' && <ErrorState error={processes.error} onRetry={reloadProcesses} />}
          {processes.state === 'ready' && (
            <ul className="process-list" role="listbox" aria-label="Processes">
              {shown.map((p) => {
                const t = value.target
                const selected =
                  (t.kind === 'pid' && t.pid === p.pid) || (t.kind === 'name' && t.name === p.name)
                return (
                  <li
                    key={p.pid}
                    role="option"
                    aria-selected={selected}
                    tabIndex={0}
                    onClick={() => pick(p)}
                    onKeyDown={(e) => e.key === 'Enter' && pick(p)}
                  >
                    <span className="mono">{p.pid}</span> {p.name}
                  </li>
                )
              })}
              {shown.length === 0 && <li className="muted">no process matches</li>}
            </ul>
          )}
        </div>
      )}

      {live && live.phase !== 'idle' && (
        <div className="wide">
          <p role="status" aria-live="polite">
            {live.captures} captures ({(live.captureBytes / 1024).toFixed(1)} KiB), {rate.toFixed(1)}/s
            {live.targetPid !== null && ` from pid ${live.targetPid}`}
          </p>
          <ul className="hooks" aria-label="Hooked functions">
            {live.hooks.map((h) => (
              <li key={`${h.module}!${h.fn}`}>
                <span className="mono">{h.fn}</span> in {h.module}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  )
}
