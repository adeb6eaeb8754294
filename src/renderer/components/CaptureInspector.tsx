import { useEffect, useState } from 'react'
import type { CaptureView } from '../../shared/contract/experiment'
import { api } from '../api'
import { base64ToBytes } from '../download'
import { ErrorState } from './Status'

function hexDump(bytes: Uint8Array): string {
  const lines: string[] = []
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16)
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ')
    const text = Array.from(row, (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${i.toString(16).padStart(6, '0')}  ${hex.padEnd(48)}  ${text}`)
  }
  return lines.join('\n')
}

/** Raw captures of a session: newest first, each as a hex dump and as its decoded structure. */
export function CaptureInspector({ sessionId, revision = 0 }: { sessionId: number; revision?: number }) {
  const [list, setList] = useState<{ total: number; captures: CaptureView[] } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [open, setOpen] = useState<number | null>(null)

  useEffect(() => {
    let live = true
    api.listCaptures({ sessionId, offset: 0, limit: 1 }).then(
      async ({ total }) => {
        const page = await api.listCaptures({ sessionId, offset: Math.max(0, total - 50), limit: 50 })
        if (live) setList(page)
      },
      (err: Error) => live && setError(err.message),
    )
    return () => {
      live = false
    }
  }, [sessionId, revision])

  const selected = list?.captures.find((c) => c.index === open)
  return (
    <div className="card inspector">
      <h2>Raw captures {list ? `(${list.total})` : ''}</h2>
      {error && <ErrorState error={error} />}
      {list && list.total === 0 && <p className="muted">Nothing captured yet.</p>}
      <ul className="capture-list">
        {list?.captures
          .slice()
          .reverse()
          .map((c) => (
            <li key={c.index}>
              <button
                type="button"
                className="link"
                aria-expanded={open === c.index}
                onClick={() => setOpen(open === c.index ? null : c.index)}
              >
                #{c.index} {new Date(c.t).toLocaleTimeString()} {c.dir} {c.fn} {c.peer ?? c.conn} · {c.size} B
              </button>
            </li>
          ))}
      </ul>
      {selected && (
        <div className="capture-detail">
          <h3>Hex (first {base64ToBytes(selected.head).length} bytes)</h3>
          <pre className="hex">{hexDump(base64ToBytes(selected.head))}</pre>
          <h3>Decoded</h3>
          <pre className="tree">{JSON.stringify(selected.decoded, null, 2) ?? 'not decodable'}</pre>
        </div>
      )}
    </div>
  )
}
