import { useEffect, useMemo, useState } from 'react'
import type { AlignOptions, AnalysisResult } from '../../shared/contract/analysis'
import type { SessionDetail } from '../../shared/contract/sessions'
import type { LevelSecond, Session } from '../../shared/model'
import { api } from '../api'
import { useRequest } from '../useRequest'
import { base64ToBytes, downloadBytes } from '../download'
import { ALIGN_METHOD_NAMES } from '../../shared/measures'
import { CalibrationControl } from './CalibrationControl'
import { CorrelationScatter } from './charts/CorrelationScatter'
import { deviceGaps, gainSeries } from './charts/deviceSeries'
import { DeviceClocks, DeviceGapList, DeviceStats } from './DeviceStats'
import { FigureExportButton } from './FigureExportDialog'
import { timeSpan } from './charts/format'
import { GainLevelTimeline } from './charts/GainLevelTimeline'
import { MicAccessLane } from './charts/MicAccessLane'
import { MicAccessReview, MutedList } from './MicAccessReview'
import { StatsTable } from './StatsTable'
import { ErrorState } from './Status'

interface Props {
  sessionId: number
  /** Bumped by the live view whenever new rows arrive, so the plots follow the experiment. */
  revision?: number
  compact?: boolean
  /** The session's records when the caller has them already (the Sessions page), saving a second fetch. */
  detail?: Recorded
  /** Bumped by the live view when mic-access seconds arrive or the app is muted or unmuted. */
  micRevision?: number
  /** The session, when its muted intervals may be edited here (review, not the live view). */
  session?: Pick<Session, 'startedAt' | 'endedAt' | 'status'>
}

/** What the review shows of the session's stored rows: gains, device gaps, clock offsets. */
type Recorded = Pick<SessionDetail, 'telemetry' | 'events' | 'clockOffsets'>

interface Data extends Recorded {
  levels: LevelSecond[]
  analysis: AnalysisResult | null
  analysisError: string | null
  /** The exported SVG plot, for sessions with more intervals than an interactive scatter draws quickly. */
  svg: string | null
}

const plotWidth = 1200
/** Beyond this many intervals a scatter of React elements costs seconds; the exported SVG draws in milliseconds. */
const interactivePairs = 400

/** The gain-vs-level views of one session, live or in review: timeline, scatter, statistics, export. */
export function SessionReview({
  sessionId,
  revision = 0,
  compact = false,
  detail: given,
  micRevision = 0,
  session,
}: Props) {
  const [align, setAlign] = useState<AlignOptions>({ method: 'aligned', offsetS: 0, lagS: 0, bestLag: false })
  const [data, setData] = useState<Data | null>(null)
  const [error, setError] = useState<string | null>(null)
  /** Bumped when the session's calibration changes, which changes every level of the analysis. */
  const [calibrated, setCalibrated] = useState(0)
  /** The time span the timeline (and the lane under it) is zoomed to, for its session; null: all of it. */
  const [zoomed, setZoomed] = useState<{ sessionId: number; span: [number, number] } | null>(null)
  const zoom = zoomed?.sessionId === sessionId ? zoomed.span : null
  const setZoom = (span: [number, number] | null) => setZoomed(span && { sessionId, span })
  const alignKey = JSON.stringify(align)
  // Fetched apart from the plots: the lane moves every second, the telemetry once an interval.
  const [micLoaded, reloadMic] = useRequest(
    () => api.micReview({ id: sessionId, width: plotWidth }),
    [sessionId, revision, micRevision],
  )
  const mic = micLoaded.state === 'ready' && micLoaded.data.sessionId === sessionId ? micLoaded.data : null

  useEffect(() => {
    let live = true
    const detail: Promise<Recorded> = given ? Promise.resolve(given) : api.getSession({ id: sessionId })
    // Long sessions show the SVG export as their scatter; ask for it as soon as the record count is known.
    const svg = detail.then((d) =>
      d.telemetry.length > interactivePairs
        ? api.exportPlot({ id: sessionId, format: 'svg', align }).then(
            (f) => f.data,
            () => null,
          )
        : null,
    )
    Promise.all([
      detail,
      api.levelTrace({ id: sessionId, width: plotWidth }),
      api.analyzeSession({ id: sessionId, ...align }).then(
        (a) => ({ a, e: null }),
        (e: Error) => ({ a: null, e: e.message }),
      ),
      svg,
    ]).then(
      ([d, trace, { a, e }, plot]) =>
        live &&
        setData({
          telemetry: d.telemetry,
          events: d.events,
          clockOffsets: d.clockOffsets,
          levels: trace.points,
          analysis: a,
          analysisError: e,
          svg: plot,
        }),
      (err: Error) => live && setError(err.message),
    )
    return () => {
      live = false
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- alignKey stands for align
  }, [sessionId, revision, alignKey, calibrated])

  // One series per device and target, broken where its device was lost.
  const lanes = useMemo(() => {
    const gaps = deviceGaps(data?.events ?? [])
    return { gaps, series: gainSeries(data?.telemetry ?? [], gaps) }
  }, [data])

  async function exportAs(format: 'png' | 'svg' | 'csv') {
    try {
      const file = await api.exportPlot({ id: sessionId, format, align })
      downloadBytes(
        file.fileName,
        file.encoding === 'base64' ? base64ToBytes(file.data) : file.data,
        file.mimeType,
      )
    } catch (err) {
      setError((err as Error).message)
    }
  }

  if (error) return <ErrorState error={error} />
  if (!data) return <p className="state">Loading plots…</p>
  const { gaps, series } = lanes
  const intervals = mic?.intervals ?? []
  // One time axis for the gains, the played level and the lane below them.
  const domain = timeSpan(
    data.telemetry.map((r) => r.t),
    data.levels.map((l) => l.t),
    (mic?.lane ?? []).flatMap((s) =>
      [s.reads[0]?.t, s.reads[s.reads.length - 1]?.t].filter((t) => t !== undefined),
    ),
    intervals.flatMap((i) => (i.end === null ? [i.start] : [i.start, i.end])),
    gaps.flatMap((g) => (g.end === null ? [g.start] : [g.start, g.end])),
  )
  return (
    <div className="review">
      <GainLevelTimeline
        series={series}
        gaps={gaps}
        levels={data.levels}
        height={compact ? 220 : 300}
        calibrationDb={data.analysis?.calibrationDb ?? null}
        domain={zoom ?? domain}
        muted={intervals}
        onZoom={setZoom}
        zoomed={zoom !== null}
      />
      {mic && domain && mic.total > 0 && (
        <MicAccessLane
          lane={mic.lane}
          intervals={intervals}
          domain={zoom ?? domain}
          height={compact ? 160 : 200}
        />
      )}
      <MutedList intervals={intervals} />
      <DeviceGapList gaps={gaps} />
      {!data.analysis?.devices?.length && <DeviceClocks offsets={data.clockOffsets ?? []} />}
      {micLoaded.state === 'error' && (
        <p className="field-error" role="alert">
          Mic-access lane: {micLoaded.error}
        </p>
      )}
      <AlignmentControls align={align} onChange={setAlign} analysis={data.analysis} />
      {data.analysis && (
        <CalibrationControl
          key={`${sessionId}-${data.analysis.calibrationDb}`}
          sessionId={sessionId}
          value={data.analysis.calibrationDb}
          onSaved={() => setCalibrated((c) => c + 1)}
        />
      )}
      {data.analysis && data.analysis.pairs.length > 0 ? (
        <>
          {data.svg ? (
            <figure className="chart" aria-label="Gain against LAeq">
              <img
                src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(data.svg)}`}
                alt={`Gain against LAeq for ${data.analysis.pairs.length} intervals`}
                style={{ width: '100%', maxWidth: 900 }}
              />
            </figure>
          ) : (
            <CorrelationScatter analysis={data.analysis} height={compact ? 260 : 340} />
          )}
          <StatsTable analysis={data.analysis} />
          <DeviceStats analysis={data.analysis} series={series} clockOffsets={data.clockOffsets} />
          <div className="row">
            <span className="muted">Export the correlation:</span>
            <button type="button" onClick={() => void exportAs('png')}>
              PNG
            </button>
            <button type="button" onClick={() => void exportAs('svg')}>
              SVG
            </button>
            <button type="button" onClick={() => void exportAs('csv')}>
              CSV of aligned windows
            </button>
            <FigureExportButton
              select={{ sessionIds: [sessionId] }}
              kinds={['scatter', 'timeseries']}
              align={align}
            />
          </div>
        </>
      ) : (
        <p className="muted" role="status">
          {data.analysisError ?? 'No telemetry interval overlaps the played audio yet.'}
        </p>
      )}
      {mic && (mic.total > 0 || mic.intervals.length > 0 || session) && (
        <MicAccessReview sessionId={sessionId} review={mic} session={session} onSaved={reloadMic} />
      )}
    </div>
  )
}

function AlignmentControls(props: {
  align: AlignOptions
  onChange: (a: AlignOptions) => void
  analysis: AnalysisResult | null
}) {
  const { align, onChange, analysis } = props
  const num = (v: string) => (v.trim() === '' || !Number.isFinite(Number(v)) ? 0 : Number(v))
  return (
    <fieldset className="row align">
      <legend>Alignment</legend>
      <label>
        Method
        <select
          value={align.method}
          onChange={(e) => onChange({ ...align, method: e.target.value as 'aligned' | 'fixed' })}
        >
          <option value="aligned">{capitalised(ALIGN_METHOD_NAMES.aligned)}</option>
          <option value="fixed">{capitalised(ALIGN_METHOD_NAMES.fixed)} (one per interval)</option>
        </select>
      </label>
      <label>
        Clock offset (s)
        <input
          type="number"
          step="0.1"
          defaultValue={align.offsetS}
          onBlur={(e) => onChange({ ...align, offsetS: num(e.target.value) })}
        />
      </label>
      <label>
        Lag (s)
        <input
          type="number"
          step="1"
          defaultValue={align.lagS}
          onBlur={(e) => onChange({ ...align, lagS: num(e.target.value) })}
        />
      </label>
      <label className="inline">
        <input
          type="checkbox"
          checked={align.bestLag ?? false}
          onChange={(e) => onChange({ ...align, bestLag: e.target.checked })}
        />
        Search best lag
      </label>
      {analysis?.bestLag && (
        <span className="muted">
          best lag {analysis.bestLag.lagS} s (r = {analysis.bestLag.r.toFixed(3)}, n = {analysis.bestLag.n})
        </span>
      )}
    </fieldset>
  )
}

const capitalised = (s: string) => s[0].toUpperCase() + s.slice(1)
