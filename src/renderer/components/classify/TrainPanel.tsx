import { useEffect, useState } from 'react'
import { BATCH_SIZES, WINDOW_SIZES, type TrainProgress } from '../../../shared/contract/classify'
import { api } from '../../api'
import { ErrorState } from '../Status'
import { pct } from './format'
import { TrainingCurves, type CurvePoint } from './TrainingCurves'

interface Settings {
  batch: number
  epochs: number
  seed: number
  split: 'random' | 'leakfree'
}

/**
 * Starts a training run with the paper's settings (or others from its search) and follows it live. The
 * window is the page's, so the dataset table above shows the windows being trained on.
 */
export function TrainPanel({
  data,
  window,
  onWindow,
  onTrained,
}: {
  data: string
  window: number
  onWindow: (window: number) => void
  onTrained: (modelId: string | null) => void
}) {
  const [settings, setSettings] = useState<Settings>({
    batch: 500,
    epochs: 700,
    seed: 1,
    split: 'random',
  })
  const [jobId, setJobId] = useState<string | null>(null)
  const [last, setLast] = useState<TrainProgress | null>(null)
  const [points, setPoints] = useState<CurvePoint[]>([])
  const [error, setError] = useState<string | null>(null)

  // Rejoin a training that was started before this page was opened.
  useEffect(() => {
    void api.classifyTrainingStatus({}).then((job) => {
      if (!job) return
      const { window: jobWindow, ...jobSettings } = job.settings
      setJobId(job.jobId)
      setSettings(jobSettings)
      onWindow(jobWindow)
      setLast(job.progress)
    })
    // Once, on opening: a rejoined training sets the window; later changes of onWindow do not matter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  useEffect(() => {
    if (!jobId) return
    const offProgress = api.onClassifyProgress((p) => {
      if (p.jobId !== jobId) return
      setLast(p)
      setPoints((ps) => [
        ...ps,
        { epoch: p.epoch, loss: p.loss, valAccuracy: p.valAccuracy, valPrecision: p.valPrecision },
      ])
    })
    const offDone = api.onClassifyDone((d) => {
      if (d.jobId !== jobId) return
      setJobId(null)
      if (d.error) setError(d.error)
      onTrained(d.model?.id ?? null)
    })
    return () => {
      offProgress()
      offDone()
    }
  }, [jobId, onTrained])

  async function start() {
    setError(null)
    setPoints([])
    setLast(null)
    try {
      const job = await api.classifyStartTraining({ ...settings, window, ...(data ? { data } : {}) })
      setJobId(job.jobId)
    } catch (err) {
      setError((err as Error).message)
    }
  }

  const set = <K extends keyof Settings>(key: K, value: Settings[K]) =>
    setSettings((s) => ({ ...s, [key]: value }))
  const running = jobId !== null
  return (
    <div>
      <div className="row">
        <label>
          Window (minutes)
          <select value={window} disabled={running} onChange={(e) => onWindow(Number(e.target.value))}>
            {WINDOW_SIZES.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <label>
          Batch size
          <select
            value={settings.batch}
            disabled={running}
            onChange={(e) => set('batch', Number(e.target.value))}
          >
            {BATCH_SIZES.map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>
        </label>
        <label>
          Epochs
          <input
            type="number"
            min={1}
            max={100000}
            value={settings.epochs}
            disabled={running}
            onChange={(e) => set('epochs', Math.max(1, Math.round(Number(e.target.value))))}
          />
        </label>
        <label>
          Seed
          <input
            type="number"
            min={0}
            value={settings.seed}
            disabled={running}
            onChange={(e) => set('seed', Math.max(0, Math.round(Number(e.target.value))))}
          />
        </label>
        <label>
          Split
          <select
            value={settings.split}
            disabled={running}
            onChange={(e) => set('split', e.target.value as Settings['split'])}
          >
            <option value="random">random 80/20 (paper)</option>
            <option value="leakfree">leak-free blocks per clip</option>
          </select>
        </label>
        {running ? (
          <button
            type="button"
            className="danger"
            onClick={() => jobId && void api.classifyCancelTraining({ jobId })}
          >
            Cancel
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void start()}>
            Train
          </button>
        )}
      </div>
      {error && <ErrorState error={error} />}
      {(running || points.length > 0) && (
        <>
          <p aria-live="polite">
            <progress value={last?.epoch ?? 0} max={last?.epochs ?? settings.epochs} /> epoch{' '}
            {last?.epoch ?? 0} of {last?.epochs ?? settings.epochs}
            {last && (
              <>
                {' '}
                · loss {last.loss.toFixed(4)} · validation accuracy {pct(last.valAccuracy)}, precision{' '}
                {pct(last.valPrecision)} · best epoch {last.bestEpoch}
              </>
            )}
          </p>
          <TrainingCurves points={points} bestEpoch={last?.bestEpoch} />
        </>
      )}
    </div>
  )
}
