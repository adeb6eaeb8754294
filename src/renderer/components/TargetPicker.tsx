import { useEffect, useMemo, useState } from 'react'
import { fridaHost, type ApplicationInfo, type BackendChoice as Backend } from '../../shared/contract/capture'
import type { ExperimentState, ExperimentTarget } from '../../shared/contract/experiment'
import { api } from '../api'
import { useRequest } from '../useRequest'
import { ErrorState, Loading } from './Status'

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
  const [apps, reloadApps] = useRequest(
    () => (hostCheck.success ? api.listApplications({ host, backend: value.backend }) : Promise.resolve([])),
    [host, value.backend, hostCheck.success],
  )
  const [open, setOpen] = useState<number | null>(null)
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
    if (apps.state !== 'ready') return []
    const q = search.trim().toLowerCase()
    return apps.data.filter(
      (a) =>
        !q ||
        a.processes.some(
          (p) =>
            p.name.toLowerCase().includes(q) ||
            String(p.pid).startsWith(q) ||
            (p.argv ?? []).join(' ').toLowerCase().includes(q),
        ),
    )
  }, [apps, search])

  const set = (patch: Partial<PickedTarget>) => onChange({ ...value, host, ...patch })
  const spawning = value.target.kind === 'spawn'
  // An application is its whole process tree: the root pid (its descendants follow) or every process by name.
  const pick = (a: ApplicationInfo) =>
    set({ target: byName ? { kind: 'name', name: a.name } : { kind: 'pid', pid: a.rootPid } })

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
              aria-label="Search applications"
              placeholder="name, pid or command line"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
            <button type="button" onClick={reloadApps}>
              Refresh
            </button>
            <label className="inline">
              <input type="checkbox" checked={byName} onChange={(e) => setByName(e.target.checked)} /> attach
              by name
            </label>
          </div>
          {apps.state === 'loading' && <Loading what="applications" />}
          {apps.state === 'error' && <ErrorState error={apps.error} onRetry={reloadApps} />}
          {apps.state === 'ready' && (
            <ul className="process-list" role="listbox" aria-label="Applications">
              {shown.map((a) => {
                const t = value.target
                const selected =
                  (t.kind === 'pid' && t.pid === a.rootPid) || (t.kind === 'name' && t.name === a.name)
                const tls = [...new Set(a.processes.flatMap((p) => p.tls ?? []))]
                return (
                  <li
                    key={a.rootPid}
                    role="option"
                    aria-selected={selected}
                    tabIndex={0}
                    onClick={() => pick(a)}
                    onKeyDown={(e) => e.key === 'Enter' && pick(a)}
                  >
                    <span className="mono">{a.rootPid}</span> {a.name}{' '}
                    <span className="muted">
                      {a.processes.length} process{a.processes.length === 1 ? '' : 'es'} · TLS:{' '}
                      {a.processes.every((p) => p.tls === null)
                        ? 'known after attach'
                        : tls.length > 0
                          ? tls.join(', ')
                          : 'no shared TLS library (a static one is looked for at attach)'}
                    </span>{' '}
                    <button
                      type="button"
                      className="link"
                      aria-expanded={open === a.rootPid}
                      onClick={(e) => (e.stopPropagation(), setOpen(open === a.rootPid ? null : a.rootPid))}
                    >
                      processes
                    </button>
                    {open === a.rootPid && (
                      <ul aria-label={`Processes of ${a.name}`}>
                        {a.processes.map((p) => (
                          <li key={p.pid}>
                            <span className="mono">{p.pid}</span> {p.name}{' '}
                            <span className="mono muted">
                              {(p.argv ?? [p.path ?? '']).join(' ').slice(0, 200)}
                            </span>
                            {p.tls && p.tls.length > 0 && (
                              <span className="muted"> · {p.tls.join(', ')}</span>
                            )}
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                )
              })}
              {shown.length === 0 && <li className="muted">no application matches</li>}
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
