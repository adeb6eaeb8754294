import { useCallback, useEffect, useState } from 'react'
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { ModelSummary, Prediction } from '../../../shared/contract/classify'
import { api } from '../../api'
import { useRequest } from '../../useRequest'
import { ErrorState } from '../Status'
import { pct } from './format'

const REFRESH_MS = 15_000

/**
 * The privacy risk made visible: what the latest n minutes of gains a session sent reveal about the room,
 * re-inferred as new telemetry arrives while "live" is on.
 */
export function LivePrediction({ models }: { models: ModelSummary[] }) {
  const [sessions] = useRequest(() => api.listSessions({ search: '' }), [])
  const [sessionId, setSessionId] = useState<number | null>(null)
  const [modelId, setModelId] = useState('')
  const [live, setLive] = useState(false)
  const [result, setResult] = useState<Prediction | null>(null)
  const [error, setError] = useState<string | null>(null)

  const predict = useCallback(async () => {
    if (sessionId === null) return
    try {
      setResult(await api.classifyPredict({ sessionId, ...(modelId ? { modelId } : {}) }))
      setError(null)
    } catch (err) {
      setResult(null)
      setError((err as Error).message)
    }
  }, [sessionId, modelId])

  useEffect(() => {
    if (!live) return
    const timer = setInterval(() => void predict(), REFRESH_MS)
    const off = api.onSessionsChanged((e) => e.id === sessionId && void predict())
    return () => {
      clearInterval(timer)
      off()
    }
  }, [live, predict, sessionId])

  const candidates = sessions.state === 'ready' ? sessions.data.filter((s) => s.telemetryCount > 0) : []
  const chart = (result?.probabilities ?? []).map((p) => ({ label: p.label, p: p.p * 100 }))
  return (
    <div>
      <div className="row">
        <label>
          Session
          <select
            value={sessionId ?? ''}
            onChange={(e) => setSessionId(e.target.value ? Number(e.target.value) : null)}
          >
            <option value="">Choose a session with telemetry…</option>
            {candidates.map((s) => (
              <option key={s.id} value={s.id}>
                #{s.id} {s.name || s.targetApp || '(unnamed)'} · {s.telemetryCount} records
                {s.intervalS !== null && s.intervalS !== 60 ? ` every ${s.intervalS} s, not minutes` : ''}
                {s.status === 'running' ? ' · running' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <select value={modelId} onChange={(e) => setModelId(e.target.value)}>
            <option value="">Newest ({models[0]?.id ?? 'none yet'})</option>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={sessionId === null} onClick={() => void predict()}>
          Classify latest minutes
        </button>
        <label className="inline">
          <input
            type="checkbox"
            checked={live}
            disabled={sessionId === null}
            onChange={(e) => {
              setLive(e.target.checked)
              if (e.target.checked) void predict()
            }}
          />
          Live (every {REFRESH_MS / 1000} s and on new records)
        </label>
      </div>
      {sessions.state === 'error' && <ErrorState error={sessions.error} />}
      {error && <ErrorState error={error} />}
      {result && (
        <div aria-live="polite">
          <p>
            Inferred background activity: <strong>{result.predicted}</strong> (
            {pct(result.probabilities.find((p) => p.label === result.predicted)?.p)}), from the last{' '}
            {result.window} of {result.records} minutes ({new Date(result.from).toLocaleTimeString()}–
            {new Date(result.to).toLocaleTimeString()}) with model {result.modelId}.
          </p>
          <figure className="chart" aria-label="Probability per activity">
            <ResponsiveContainer width="100%" height={220}>
              <BarChart data={chart} layout="vertical" margin={{ top: 8, right: 24, bottom: 8, left: 24 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis type="number" domain={[0, 100]} unit="%" />
                <YAxis type="category" dataKey="label" width={130} />
                <Tooltip formatter={(v) => (typeof v === 'number' ? `${v.toFixed(1)}%` : v)} />
                <Bar dataKey="p" name="probability" fill="#c62828" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </figure>
        </div>
      )}
    </div>
  )
}
