import { useCallback, useEffect, useRef, useState } from 'react'
import { WINDOW_SIZES } from '../../shared/contract/classify'
import { api } from '../api'
import { DatasetSummary } from '../components/classify/DatasetSummary'
import { SOURCE_NOTE } from '../components/classify/format'
import { LivePrediction } from '../components/classify/LivePrediction'
import { ModelsList } from '../components/classify/ModelsList'
import { ResultsTable } from '../components/classify/ResultsTable'
import { TrainingCurves } from '../components/classify/TrainingCurves'
import { TrainPanel } from '../components/classify/TrainPanel'
import { WindowComparison } from '../components/classify/WindowComparison'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { FieldError, invalidProps } from '../components/FieldError'
import { FigureExportButton } from '../components/FigureExportDialog'
import { Empty, ErrorState, Loading } from '../components/Status'
import { useRequest } from '../useRequest'

/**
 * The data folder as typed, remembered in the settings (so it is there after a restart, in the app and in
 * web mode alike); null until the settings are read. Saved a moment after the typing stops.
 */
function useRememberedDataFolder(): [{ value: string | null; error: string | null }, (v: string) => void] {
  const [value, setValue] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const saved = useRef<string | null>(null)
  useEffect(() => {
    api.getSettings({}).then(
      (s) => {
        saved.current = s.classifierData ?? ''
        setValue((v) => v ?? saved.current)
      },
      (err: Error) => {
        setValue((v) => v ?? '')
        setError(`The last data folder could not be read: ${err.message}`)
      },
    )
  }, [])
  useEffect(() => {
    if (value === null || value === saved.current) return
    const timer = setTimeout(() => {
      api.updateSettings({ classifierData: value }).then(
        () => {
          saved.current = value
          setError(null)
        },
        (err: Error) => setError(`The data folder could not be remembered: ${err.message}`),
      )
    }, 400)
    return () => clearTimeout(timer)
  }, [value])
  return [{ value, error }, setValue]
}

/**
 * The background-activity classifier of the paper's Sec. 5.3: the authors' Webex gains, training their CNN,
 * its results beside theirs, and live inference on a session's latest minutes.
 */
export function ClassifierPage() {
  const [data, setData] = useRememberedDataFolder()
  // One window for the dataset table and the training: they follow each other.
  const [window, setWindow] = useState(7)
  const [selected, setSelected] = useState<string | null>(null)
  const [models, reloadModels] = useRequest(() => api.classifyListModels({}), [])
  const [detail] = useRequest(
    () => (selected ? api.classifyGetModel({ id: selected }) : Promise.resolve(null)),
    [selected, models.state === 'ready' ? models.data.length : 0],
  )
  const [deleteError, setDeleteError] = useState<string | null>(null)
  const [confirming, setConfirming] = useState<string | null>(null)

  const onTrained = useCallback(
    (id: string | null) => {
      reloadModels()
      if (id) setSelected(id)
    },
    [reloadModels],
  )

  async function remove(id: string) {
    setConfirming(null)
    setDeleteError(null)
    try {
      await api.classifyDeleteModel({ id })
      if (selected === id) setSelected(null)
      reloadModels()
    } catch (err) {
      setDeleteError((err as Error).message)
    }
  }

  const list = models.state === 'ready' ? models.data : []
  return (
    <section aria-labelledby="classifier-title">
      <header className="page-header">
        <h1 id="classifier-title">Classifier</h1>
        <p className="muted">{SOURCE_NOTE}</p>
      </header>

      <section className="card" aria-labelledby="dataset-title">
        <h2 id="dataset-title">Dataset</h2>
        <div className="row">
          <label className="wide">
            Data folder (the authors' seven files; empty = the fetched reference data, mutescope data fetch)
            <input
              value={data.value ?? ''}
              disabled={data.value === null}
              onChange={(e) => setData(e.target.value.trim())}
              placeholder="paper-gains folder"
              {...invalidProps('data-folder-error', data.error)}
            />
            <FieldError id="data-folder-error" error={data.error} />
          </label>
          <label>
            Window
            <select value={window} onChange={(e) => setWindow(Number(e.target.value))}>
              {WINDOW_SIZES.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
        </div>
        {data.value !== null && <DatasetSummary data={data.value} window={window} />}
      </section>

      <section className="card" aria-labelledby="train-title">
        <h2 id="train-title">Training</h2>
        <TrainPanel data={data.value ?? ''} window={window} onWindow={setWindow} onTrained={onTrained} />
      </section>

      <section className="card" aria-labelledby="models-title">
        <h2 id="models-title">Saved models</h2>
        {deleteError && <ErrorState error={deleteError} />}
        {confirming && (
          <ConfirmDialog
            title="Delete this model?"
            message={`${confirming} will be removed from the data directory.`}
            confirmLabel="Delete model"
            onConfirm={() => void remove(confirming)}
            onCancel={() => setConfirming(null)}
          />
        )}
        {models.state === 'loading' && <Loading what="models" />}
        {models.state === 'error' && <ErrorState error={models.error} onRetry={reloadModels} />}
        {models.state === 'ready' && list.length === 0 && <Empty>No model yet: train one above.</Empty>}
        {list.length > 0 && (
          <ModelsList models={list} selected={selected} onSelect={setSelected} onDelete={setConfirming} />
        )}
      </section>

      {detail.state === 'ready' && detail.data && (
        <section className="card" aria-labelledby="results-title">
          <h2 id="results-title">Results of {detail.data.id}</h2>
          <ResultsTable model={detail.data} />
          <TrainingCurves points={detail.data.history} bestEpoch={detail.data.bestEpoch} />
          <div className="row">
            <FigureExportButton model={detail.data.id} kinds={['confusion', 'curves']} />
          </div>
        </section>
      )}
      {detail.state === 'error' && <ErrorState error={detail.error} />}

      {list.length > 0 && (
        <section className="card" aria-labelledby="compare-title">
          <h2 id="compare-title">Across window sizes</h2>
          <WindowComparison models={list} />
        </section>
      )}

      <section className="card" aria-labelledby="live-title">
        <h2 id="live-title">What a session reveals</h2>
        <p className="muted">
          The latest n minutes of gains a muted session sent, classified by a saved model.
        </p>
        <LivePrediction models={list} />
      </section>
    </section>
  )
}
