import { z } from 'zod'
import { levelMeasure } from '../measures'
import { alignOptions } from './analysis'
import { compareSelection, gainName, groupField } from './compare'
import { request } from './define'

export const figureKind = z.enum(['scatter', 'timeseries', 'grouped'])
export type FigureKind = z.infer<typeof figureKind>

/**
 * A publication figure of stored sessions. scatter: each gain against the level, one panel per session;
 * timeseries: gains (left axis) and level (right axis) over the time since playback start, one panel per
 * session; grouped: sessions grouped by metadata (the conditions of Figs. 7 and 11), one panel per group with
 * shared axes, or every group overlaid in one panel for one gain.
 */
export const figureOptions = z
  .object({
    kind: figureKind,
    select: compareSelection,
    level: levelMeasure.default('laeq'),
    align: alignOptions.prefault({}),
    groupBy: z.array(groupField).min(1).max(4).default(['micMode']),
    layout: z.enum(['panels', 'overlay']).default('panels'),
    /** The gains drawn (scatter, timeseries, grouped panels). */
    gains: z.array(gainName).min(1).max(3).default(['max', 'mean', 'min']),
    /** The one gain an overlay draws per group. */
    gain: gainName.default('mean'),
    /** Default: the session's or the plan's name. */
    title: z.string().max(200).optional(),
    widthMm: z.number().min(40).max(600).optional(),
    heightMm: z.number().min(30).max(600).optional(),
    /** Resolution of a PNG. */
    dpi: z.number().int().min(50).max(1200).default(300),
  })
  .strict()
export type FigureOptions = z.input<typeof figureOptions>

const exportedFile = z.object({
  fileName: z.string(),
  mimeType: z.string(),
  encoding: z.enum(['utf8', 'base64']),
  data: z.string(),
})

export const figureRequests = {
  exportFigure: request(
    'A figure as SVG, PDF or PNG at the chosen size and resolution, with the CSV of exactly the data it draws',
    figureOptions.extend({ format: z.enum(['svg', 'pdf', 'png']) }).strict(),
    z.object({ figure: exportedFile, csv: exportedFile }),
  ),
}
