import { z } from 'zod'
import { levelMeasure } from '../measures'
import { alignOptions, exportedFile, gainName } from './analysis'
import { classifierSet } from './classify'
import { compareSelection, groupField } from './compare'
import { request } from './define'

export const sessionFigureKind = z.enum(['scatter', 'timeseries', 'grouped'])
/** Figures of a saved classifier model: its confusion matrices, and its loss and accuracy per epoch. */
export const modelFigureKind = z.enum(['confusion', 'curves'])
export const figureKind = z.enum([...sessionFigureKind.options, ...modelFigureKind.options])
export type FigureKind = z.infer<typeof figureKind>

/** Title, size and resolution, the same for every kind of figure. */
const figureLayout = {
  /** Default: the session's or the plan's name, or the model's settings. */
  title: z.string().max(200).optional(),
  widthMm: z.number().min(40).max(600).optional(),
  heightMm: z.number().min(30).max(600).optional(),
  /** Resolution of a PNG. */
  dpi: z.number().int().min(50).max(1200).default(300),
}

/**
 * A publication figure of stored sessions. scatter: each gain against the level, one panel per session;
 * timeseries: gains (left axis) and level (right axis) over the time since playback start, one panel per
 * session; grouped: sessions grouped by metadata (the conditions of Figs. 7 and 11), one panel per group with
 * shared axes, or every group overlaid in one panel for one gain.
 */
export const figureOptions = z
  .object({
    kind: sessionFigureKind,
    select: compareSelection,
    level: levelMeasure.default('laeq'),
    align: alignOptions.prefault({}),
    groupBy: z.array(groupField).min(1).max(4).default(['micMode']),
    layout: z.enum(['panels', 'overlay']).default('panels'),
    /** The gains drawn (scatter, timeseries, grouped panels). */
    gains: z.array(gainName).min(1).max(3).default(['max', 'mean', 'min']),
    /** The one gain an overlay draws per group. */
    gain: gainName.default('mean'),
    ...figureLayout,
  })
  .strict()
export type FigureOptions = z.input<typeof figureOptions>

/**
 * A publication figure of a saved classifier model. confusion: the row-normalised confusion matrix of each
 * set asked for, one panel each; curves: training loss (left axis) and validation accuracy and precision
 * (right axis) per epoch.
 */
export const modelFigureSettings = z
  .object({
    kind: modelFigureKind,
    /** confusion: the sets drawn, in this order. */
    sets: z.array(classifierSet).min(1).max(3).default(['validation', 'eval1', 'eval2']),
    ...figureLayout,
  })
  .strict()
export type ModelFigureSettings = z.input<typeof modelFigureSettings>

export const modelFigureOptions = modelFigureSettings.extend({ model: z.string().min(1).max(200) }).strict()
export type ModelFigureOptions = z.input<typeof modelFigureOptions>

export const figureFormat = z.enum(['svg', 'pdf', 'png'])
export type FigureFormat = z.infer<typeof figureFormat>

export const figureRequests = {
  exportFigure: request(
    'A figure (of sessions, or of a saved classifier model) as SVG, PDF or PNG at the chosen size and resolution, with the CSV of exactly the data it draws',
    z.discriminatedUnion('kind', [
      figureOptions.extend({ format: figureFormat }).strict(),
      modelFigureOptions.extend({ format: figureFormat }).strict(),
    ]),
    z.object({ figure: exportedFile, csv: exportedFile }),
  ),
}
