import { useEffect, useRef, useState } from 'react'
import type { AlignOptions } from '../../shared/contract/analysis'
import type { CompareSelection, GroupField } from '../../shared/contract/compare'
import { classifierSet, SET_TITLES, type ClassifierSet } from '../../shared/contract/classify'
import type { FigureKind, FigureOptions, ModelFigureOptions } from '../../shared/contract/figures'
import { LEVEL_MEASURES, MEASURES, type LevelMeasure } from '../../shared/measures'
import { api } from '../api'
import { optionalNumber } from '../formNumbers'
import { base64ToBytes, downloadBytes } from '../download'
import { FieldError, invalidProps } from './FieldError'

const kindNames: Record<FigureKind, string> = {
  scatter: 'Scatter: each gain against the level',
  timeseries: 'Time series: gains and level over time',
  grouped: 'Grouped by condition',
  confusion: 'Confusion matrices, one per set',
  curves: 'Training curves: loss and validation accuracy per epoch',
}

type Errors = Partial<Record<'width' | 'height' | 'dpi' | 'sets' | 'export', string>>

/** What a figure draws: sessions (with how they are aligned and grouped), or a saved classifier model. */
type Source = { select: CompareSelection; align?: AlignOptions; groupBy?: GroupField[] } | { model: string }

/** A size or resolution as typed: empty takes the default; otherwise a number in range, or the problem. */
function numberField(
  text: string,
  lo: number,
  hi: number,
  problem: string,
  errors: Errors,
  key: keyof Errors,
) {
  return optionalNumber(text, (n) => n >= lo && n <= hi, problem, errors, key)
}

/**
 * Exports a publication figure of sessions (its kind and the measure the gains are drawn against) or of a
 * classifier model (confusion matrices of the chosen sets, or training curves): the file format, size in
 * millimetres and PNG resolution, and a title; the CSV of the plotted data comes with it.
 */
export function FigureExportDialog(props: Source & { kinds: FigureKind[]; onClose: () => void }) {
  const { kinds, onClose } = props
  const [kind, setKind] = useState<FigureKind>(kinds[0])
  const [sets, setSets] = useState<ClassifierSet[]>([...classifierSet.options])
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
    if (kind === 'confusion' && sets.length === 0) errs.sets = 'Choose at least one set to draw.'
    setErrors(errs)
    if (Object.keys(errs).length > 0) return
    const layoutOptions = {
      ...(title.trim() ? { title: title.trim() } : {}),
      ...(widthMm !== undefined ? { widthMm } : {}),
      ...(heightMm !== undefined ? { heightMm } : {}),
      ...(dots !== undefined ? { dpi: Math.round(dots) } : {}),
    }
    const options: FigureOptions | ModelFigureOptions =
      'model' in props
        ? { kind: kind as ModelFigureOptions['kind'], model: props.model, sets, ...layoutOptions }
        : {
            kind: kind as FigureOptions['kind'],
            select: props.select,
            level,
            layout,
            align: props.align,
            ...(props.groupBy ? { groupBy: props.groupBy } : {}),
            ...layoutOptions,
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
        {!('model' in props) && (
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
        )}
        {kind === 'confusion' && (
          <fieldset className="row">
            <legend>Sets, one panel each</legend>
            {classifierSet.options.map((set) => (
              <label key={set} className="inline">
                <input
                  type="checkbox"
                  checked={sets.includes(set)}
                  onChange={() =>
                    setSets(
                      classifierSet.options.filter((s) => (s === set ? !sets.includes(s) : sets.includes(s))),
                    )
                  }
                />{' '}
                {SET_TITLES[set]}
              </label>
            ))}
            <FieldError id="figure-sets-error" error={errors.sets} />
          </fieldset>
        )}
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
          Title (empty: {'model' in props ? 'the model’s settings' : 'the session’s or plan’s name'})
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

/** "Publication figure…": a button that opens the export dialog for the figures of `source`. */
export function FigureExportButton(props: Source & { kinds: FigureKind[] }) {
  const [open, setOpen] = useState(false)
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Publication figure…
      </button>
      {open && <FigureExportDialog {...props} onClose={() => setOpen(false)} />}
    </>
  )
}
