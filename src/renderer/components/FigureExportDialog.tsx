import { useEffect, useRef, useState } from 'react'
import type { AlignOptions } from '../../shared/contract/analysis'
import type { CompareSelection, GroupField } from '../../shared/contract/compare'
import type { FigureKind, FigureOptions } from '../../shared/contract/figures'
import { LEVEL_MEASURES, MEASURES, type LevelMeasure } from '../../shared/measures'
import { api } from '../api'
import { base64ToBytes, downloadBytes } from '../download'
import { FieldError, invalidProps } from './FieldError'

const kindNames: Record<FigureKind, string> = {
  scatter: 'Scatter: each gain against the level',
  timeseries: 'Time series: gains and level over time',
  grouped: 'Grouped by condition',
}

type Errors = Partial<Record<'width' | 'height' | 'dpi' | 'export', string>>

/** A size or resolution as typed: empty takes the default; otherwise a number in range, or the problem. */
function numberField(
  text: string,
  lo: number,
  hi: number,
  problem: string,
  errors: Errors,
  key: keyof Errors,
) {
  if (text.trim() === '') return undefined
  const n = Number(text)
  if (!Number.isFinite(n) || n < lo || n > hi) errors[key] = problem
  return n
}

/**
 * Exports a publication figure of sessions: its kind, the measure the gains are drawn against, the file
 * format, size in millimetres and PNG resolution, and a title; the CSV of the plotted data comes with it.
 */
export function FigureExportDialog(props: {
  select: CompareSelection
  kinds: FigureKind[]
  align?: AlignOptions
  groupBy?: GroupField[]
  onClose: () => void
}) {
  const { select, kinds, align, groupBy, onClose } = props
  const [kind, setKind] = useState<FigureKind>(kinds[0])
  const [level, setLevel] = useState<LevelMeasure>('laeq')
  const [layout, setLayout] = useState<'panels' | 'overlay'>('panels')
  const [format, setFormat] = useState<'svg' | 'pdf' | 'png'>('pdf')
  const [width, setWidth] = useState('')
  const [height, setHeight] = useState('')
  const [dpi, setDpi] = useState('300')
  const [title, setTitle] = useState('')
  const [errors, setErrors] = useState<Errors>({})
  const [busy, setBusy] = useState(false)
  const first = useRef<HTMLSelectElement>(null)
  useEffect(() => first.current?.focus(), [])

  async function exportFigure() {
    const errs: Errors = {}
    const widthMm = numberField(
      width,
      40,
      600,
      'Enter a width from 40 to 600 mm, or leave it empty.',
      errs,
      'width',
    )
    const heightMm = numberField(
      height,
      30,
      600,
      'Enter a height from 30 to 600 mm, or leave it empty.',
      errs,
      'height',
    )
    const dots = numberField(dpi, 50, 1200, 'Enter a resolution from 50 to 1200 dpi.', errs, 'dpi')
    setErrors(errs)
    if (Object.keys(errs).length > 0) return
    const options: FigureOptions = {
      kind,
      select,
      level,
      layout,
      align,
      ...(groupBy ? { groupBy } : {}),
      ...(title.trim() ? { title: title.trim() } : {}),
      ...(widthMm !== undefined ? { widthMm } : {}),
      ...(heightMm !== undefined ? { heightMm } : {}),
      ...(dots !== undefined ? { dpi: Math.round(dots) } : {}),
    }
    setBusy(true)
    try {
      const { figure, csv } = await api.exportFigure({ ...options, format })
      downloadBytes(
        figure.fileName,
        figure.encoding === 'base64' ? base64ToBytes(figure.data) : figure.data,
        figure.mimeType,
      )
      downloadBytes(csv.fileName, csv.data, csv.mimeType)
      onClose()
    } catch (err) {
      setErrors({ export: (err as Error).message })
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="backdrop" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <form
        className="dialog grid figure-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="figure-title"
        onSubmit={(e) => {
          e.preventDefault()
          void exportFigure()
        }}
        noValidate
      >
        <h2 id="figure-title">Export figure</h2>
        <label>
          Figure
          <select ref={first} value={kind} onChange={(e) => setKind(e.target.value as FigureKind)}>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {kindNames[k]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Gains against
          <select value={level} onChange={(e) => setLevel(e.target.value as LevelMeasure)}>
            {LEVEL_MEASURES.map((m) => (
              <option key={m} value={m} title={MEASURES[m].description}>
                {MEASURES[m].name('A')} ({MEASURES[m].method === 'iec' ? 'IEC 61672' : 'paper'})
              </option>
            ))}
          </select>
        </label>
        {kind === 'grouped' && (
          <label>
            Layout
            <select value={layout} onChange={(e) => setLayout(e.target.value as 'panels' | 'overlay')}>
              <option value="panels">One panel per condition, shared axes</option>
              <option value="overlay">All conditions in one panel (mean gain)</option>
            </select>
          </label>
        )}
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(e.target.value as 'svg' | 'pdf' | 'png')}>
            <option value="pdf">PDF (vector)</option>
            <option value="svg">SVG (vector)</option>
            <option value="png">PNG (image)</option>
          </select>
        </label>
        <label>
          Width (mm, empty: 120 for one panel, 170 for several)
          <input
            inputMode="decimal"
            value={width}
            onChange={(e) => setWidth(e.target.value)}
            {...invalidProps('figure-width-error', errors.width)}
          />
          <FieldError id="figure-width-error" error={errors.width} />
        </label>
        <label>
          Height (mm, empty: from the width)
          <input
            inputMode="decimal"
            value={height}
            onChange={(e) => setHeight(e.target.value)}
            {...invalidProps('figure-height-error', errors.height)}
          />
          <FieldError id="figure-height-error" error={errors.height} />
        </label>
        {format === 'png' && (
          <label>
            Resolution (dpi)
            <input
              inputMode="numeric"
              value={dpi}
              onChange={(e) => setDpi(e.target.value)}
              {...invalidProps('figure-dpi-error', errors.dpi)}
            />
            <FieldError id="figure-dpi-error" error={errors.dpi} />
          </label>
        )}
        <label className="wide">
          Title (empty: the session’s or plan’s name)
          <input value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <FieldError id="figure-export-error" error={errors.export} />
        <p className="muted wide">The CSV of exactly the plotted points is downloaded with the figure.</p>
        <div className="row end wide">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Exporting…' : 'Export'}
          </button>
        </div>
      </form>
    </div>
  )
}
