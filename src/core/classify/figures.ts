import { z } from 'zod'
import { SHORT_LABELS, type ClassifierSet, type ModelDetail } from '../../shared/contract/classify'
import { modelFigureSettings, type ModelFigureSettings } from '../../shared/contract/figures'
import { matrixCsv } from '../analysis/figure-csv'
import { drawFigure, type DrawnFigure } from '../analysis/figure-file'
import type { Figure, FigureSeries, MatrixFigure } from '../analysis/figure-model'
import { matrixHeightMm, matrixSvg } from '../analysis/matrix-svg'
import { UserError } from '../errors'

/** A set's name short enough for a panel title (SET_TITLES says more). */
const SET_NAMES = { validation: 'Validation', eval1: 'Evaluation 1', eval2: 'Evaluation 2 (100 cm)' } as const

/** What a model is, for a default title: its settings rather than its long id. */
function modelName(m: ModelDetail): string {
  return `Classifier n = ${m.window}, batch ${m.batch}, seed ${m.seed}, ${m.split} split`
}

function curve(
  id: string,
  label: string,
  color: string,
  axis: FigureSeries['axis'],
  points: { x: number; y: number }[],
): FigureSeries {
  return {
    id,
    label,
    color,
    marker: null,
    line: true,
    axis,
    points: points.map((p) => ({ ...p, sessionId: null, t: null })),
    fit: null,
  }
}

/** Training loss (left axis) and validation accuracy and precision in percent (right axis) per epoch. */
function curvesFigure(m: ModelDetail, title: string): Figure {
  if (m.history.length === 0)
    throw new UserError(`model ${m.id} kept no training curve; train it again to draw one`)
  const percent = (v: number) => Math.round(v * 1e6) / 1e4
  return {
    title,
    xLabel: 'Epoch',
    yLabel: 'Training loss (cross-entropy)',
    yRightLabel: 'Validation accuracy and precision (%)',
    panels: [
      {
        title: null,
        series: [
          curve(
            'loss',
            'training loss',
            '#d62728',
            'left',
            m.history.map((h) => ({ x: h.epoch, y: h.loss })),
          ),
          curve(
            'val_accuracy',
            'validation accuracy',
            '#0072b2',
            'right',
            m.history.map((h) => ({ x: h.epoch, y: percent(h.valAccuracy) })),
          ),
          curve(
            'val_precision',
            `validation precision, weighted (kept epoch ${m.bestEpoch})`,
            '#009e73',
            'right',
            m.history.map((h) => ({ x: h.epoch, y: percent(h.valPrecision) })),
          ),
        ],
      },
    ],
    constants: { model: m.id, best_epoch: m.bestEpoch },
  }
}

/** The row-normalised confusion matrix of each set, as the Classifier page shows them. */
function confusionFigure(m: ModelDetail, title: string, sets: readonly ClassifierSet[]): MatrixFigure {
  return {
    title,
    rowLabel: 'True class',
    colLabel: 'Predicted class',
    // The page's short names: the full ones would leave little room for the cells.
    rows: SHORT_LABELS,
    cols: SHORT_LABELS,
    valueLabel: 'share of the true class’s windows',
    panels: sets.map((set) => ({
      title: `${SET_NAMES[set]}, ${m[set].windows} windows`,
      values: m[set].confusion,
      counts: m[set].counts,
    })),
    constants: { model: m.id },
  }
}

/**
 * A publication figure of a saved model (see modelFigureSettings), drawn with the figure engine of session
 * figures: same fonts, sizes in millimetres, the CSV of exactly what is drawn.
 */
export function buildModelFigure(model: ModelDetail, settings: ModelFigureSettings): DrawnFigure {
  const parsed = modelFigureSettings.safeParse(settings)
  if (!parsed.success) throw new UserError(z.prettifyError(parsed.error))
  const o = parsed.data
  if (o.kind === 'curves') {
    const fig = curvesFigure(model, o.title ?? `${modelName(model)}: training curves`)
    return drawFigure(fig, { widthMm: o.widthMm ?? 120, heightMm: o.heightMm ?? 80 }, o.dpi)
  }
  const fig = confusionFigure(model, o.title ?? `${modelName(model)}: confusion matrices`, o.sets)
  const widthMm = o.widthMm ?? (fig.panels.length === 1 ? 90 : 170)
  const size = { widthMm, heightMm: o.heightMm ?? Math.min(600, Math.max(30, matrixHeightMm(fig, widthMm))) }
  return {
    title: fig.title,
    svg: matrixSvg(fig, size),
    csv: matrixCsv(fig),
    panels: fig.panels.length,
    size,
    dpi: o.dpi,
  }
}
