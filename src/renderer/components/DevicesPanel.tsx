import { useRef, useState } from 'react'
import type { DeviceView } from '../../shared/contract/devices'
import { api } from '../api'
import { useRequest } from '../useRequest'
import { AddDeviceForm } from './AddDeviceForm'
import { ConfirmDialog } from './ConfirmDialog'
import { ErrorState, Loading } from './Status'

type Status = NonNullable<DeviceView['status']>

function where(d: DeviceView): string {
  if (!d.address) return '—'
  return [d.address, d.tls && 'TLS', d.token && 'token'].filter(Boolean).join(', ')
}

function fridaOf(d: DeviceView, s: Status): string {
  if (s.frida) return s.frida
  return d.kind === 'frida-server' ? 'told at attach' : 'not reported'
}

function Reachability({ status, checking }: { status: Status | undefined; checking: boolean }) {
  if (checking) return <>checking…</>
  if (!status) return <span className="muted">not checked: press Refresh</span>
  if (!status.reachable) return <>unreachable: {status.error}</>
  if (!status.joined) return <>reachable</>
  if (status.joined.length === 0)
    return <>reachable; no process has joined yet (run &quot;mutescope lab-agent&quot; on a lab machine)</>
  return (
    <>
      reachable; joined:
      <ul>
        {status.joined.map((j) => (
          <li key={j.pid}>
            pid {j.pid} {j.name} on {j.os ?? 'an unnamed OS'}, Frida {j.frida ?? 'not reported'}
          </li>
        ))}
      </ul>
    </>
  )
}

/**
 * Settings' devices: this computer and the lab's frida-servers and portals. Asking the devices starts a Frida
 * bridge, so it happens only on Refresh (and after an add), never on opening Settings.
 */
export function DevicesPanel() {
  const [list, reload] = useRequest(() => api.listDevices({ probe: false }), [])
  const [statuses, setStatuses] = useState<Record<string, Status>>({})
  const [checking, setChecking] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const [removing, setRemoving] = useState<string | null>(null)
  /** The latest probe: only its answer is shown. */
  const probe = useRef(0)
  /** Names added or removed since that probe began: its answer about them is stale. */
  const changed = useRef(new Set<string>())

  async function refresh() {
    const mine = ++probe.current
    changed.current.clear()
    setChecking(true)
    setProblem(null)
    try {
      const probed = await api.listDevices({ probe: true })
      if (mine !== probe.current) return
      setStatuses((old) => {
        const next = { ...old }
        for (const d of probed) if (d.status && !changed.current.has(d.name)) next[d.name] = d.status
        return next
      })
    } catch (err) {
      if (mine === probe.current) setProblem((err as Error).message)
    } finally {
      if (mine === probe.current) setChecking(false)
    }
  }

  function forget(name: string) {
    changed.current.add(name)
    setStatuses(({ [name]: _gone, ...rest }) => rest)
  }

  async function remove(name: string) {
    setRemoving(null)
    try {
      await api.removeDevice({ name })
      forget(name)
      reload()
    } catch (err) {
      setProblem((err as Error).message)
    }
  }

  const devices = list.state === 'ready' ? list.data : []
  return (
    <section className="card" aria-labelledby="devices-title">
      <div className="row">
        <h2 id="devices-title">Devices</h2>
        <button type="button" onClick={() => void refresh()} disabled={checking}>
          Refresh
        </button>
      </div>
      <p className="muted">
        Where captures attach: this computer, a frida-server on a lab machine, or the portal lab machines join
        (&quot;mutescope portal serve&quot;). Refresh asks each one for its OS, Frida version and whether it
        answers.
      </p>
      {list.state === 'loading' && <Loading what="devices" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={reload} />}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      {list.state === 'ready' && (
        <table aria-labelledby="devices-title">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Address</th>
              <th scope="col">OS</th>
              <th scope="col">Frida</th>
              <th scope="col">Reachability</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {devices.map((d) => {
              const s = checking ? undefined : statuses[d.name]
              return (
                <tr key={d.name}>
                  <th scope="row">{d.name}</th>
                  <td>{d.kind === 'local' ? 'this computer' : d.kind}</td>
                  <td>{where(d)}</td>
                  <td>{s?.reachable ? (s.os ?? 'not reported') : '—'}</td>
                  <td>{s?.reachable ? fridaOf(d, s) : '—'}</td>
                  <td>
                    <Reachability status={s} checking={checking} />
                  </td>
                  <td>
                    {d.kind !== 'local' && (
                      <button type="button" onClick={() => setRemoving(d.name)}>
                        Remove {d.name}
                      </button>
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      <AddDeviceForm
        names={devices.map((d) => d.name)}
        onAdded={(d) => {
          forget(d.name)
          reload()
          void refresh()
        }}
      />
      {removing && (
        <ConfirmDialog
          title={`Remove device ${removing}?`}
          message={`Captures can no longer attach through "${removing}". Sessions captured through it stay.`}
          confirmLabel="Remove"
          onConfirm={() => void remove(removing)}
          onCancel={() => setRemoving(null)}
        />
      )}
    </section>
  )
}
