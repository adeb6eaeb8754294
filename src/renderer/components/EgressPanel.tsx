import { useState } from 'react'
import type { EgressReportView } from '../../shared/contract/egress'
import { api } from '../api'
import { base64ToBytes, downloadBytes } from '../download'
import { useRequest } from '../useRequest'
import { ErrorState } from './Status'

const time = (t: number) =>
  new Date(t).toLocaleTimeString(undefined, { hour12: false, fractionalSecondDigits: 3 })
const where = (r: { host: string | null; path: string | null }) => `${r.host ?? ''}${r.path ?? ''}`
const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`

/**
 * Egress proof of a session captured with --egress: which telemetry records were found, byte for byte, in the
 * decrypted packets that left the machine (and in which stream and packets), which were not and why, and the
 * recorded packets as a pcapng with the TLS secrets embedded. Nothing is shown for other sessions.
 */
export function EgressPanel({ sessionId }: { sessionId: number }) {
  const [report, reload] = useRequest(() => api.egressReport({ id: sessionId }), [sessionId])
  const [saveError, setSaveError] = useState<string | null>(null)

  async function save() {
    setSaveError(null)
    try {
      const f = await api.egressPcapng({ id: sessionId })
      downloadBytes(f.fileName, base64ToBytes(f.base64), 'application/vnd.tcpdump.pcap')
    } catch (err) {
      setSaveError((err as Error).message)
    }
  }

  // Sessions captured without --egress show nothing, not even while that is being found out.
  if (report.state === 'loading' || (report.state === 'ready' && report.data.status === 'none')) return null
  return (
    <section className="card" aria-labelledby="egress-title">
      <div className="row">
        <h2 id="egress-title">Egress</h2>
        {report.state === 'ready' && report.data.status === 'recorded' && (
          <button type="button" onClick={() => void save()}>
            Save pcapng with TLS secrets
          </button>
        )}
      </div>
      {saveError && <ErrorState error={saveError} />}
      {report.state === 'error' && <ErrorState error={report.error} onRetry={reload} />}
      {report.state === 'ready' && <Report r={report.data} />}
    </section>
  )
}

function Report({ r }: { r: EgressReportView }) {
  return (
    <>
      <p role="status">
        <strong>
          {r.proven} of {r.records}
        </strong>{' '}
        telemetry records proven on the wire
        {r.status === 'unavailable' && <> · egress unavailable: {r.reason}</>}
        {r.status === 'recorded' && (
          <span className="muted">
            {' '}
            · {count(r.streams.length, 'stream')}, {count(r.secrets, 'TLS secret')}, analysed in{' '}
            {(r.analysisMs / 1000).toFixed(2)} s
          </span>
        )}
      </p>
      {r.streams.length > 0 && (
        <table aria-label="Streams on the wire">
          <thead>
            <tr>
              <th>Stream</th>
              <th>Server (SNI)</th>
              <th>Peer</th>
              <th>Packets</th>
              <th>Bytes</th>
            </tr>
          </thead>
          <tbody>
            {r.streams.map((s) => (
              <tr key={s.stream}>
                <td>{s.stream}</td>
                <td>{s.server ?? '—'}</td>
                <td>{s.peer}</td>
                <td>{s.packets}</td>
                <td>{s.bytes}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r.unproven.length > 0 && (
        <table aria-label="Records not proven">
          <thead>
            <tr>
              <th>Time</th>
              <th>Request</th>
              <th>Why not proven</th>
            </tr>
          </thead>
          <tbody>
            {r.unproven.map((u, i) => (
              <tr key={i}>
                <td>{time(u.t)}</td>
                <td>{where(u)}</td>
                <td>{u.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r.proofs.length > 0 && (
        <details>
          <summary>Proven records ({r.proven})</summary>
          <table aria-label="Proven records">
            <thead>
              <tr>
                <th>Time</th>
                <th>Request</th>
                <th>Stream</th>
                <th>Packets (sent at)</th>
              </tr>
            </thead>
            <tbody>
              {r.proofs.map((p, i) => (
                <tr key={i}>
                  <td>{time(p.t)}</td>
                  <td>{where(p)}</td>
                  <td>
                    {p.stream} ({p.server ?? p.peer})
                  </td>
                  <td>
                    {p.packets.map((f) => f.n).join(', ')}
                    {p.packets.length > 0 && ` (${time(p.packets[0].t)})`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </>
  )
}
