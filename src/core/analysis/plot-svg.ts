import { plotOptions, type AnalysisResult, type PlotOptions } from '../../shared/contract/analysis'
import { MEASURES, measureLabel } from '../../shared/measures'
import { UserError } from '../errors'
import { scatterPanel } from './figure-build'
import { MM_PER_INCH } from './figure-model'
import { figureSvg } from './figure-svg'

/** CSS pixels per inch: a plot sized in pixels is drawn at this many to the inch. */
const PX_PER_INCH = 96

/** The level axis of a result: e.g. "LAeq, dBFS (A-weighted)", or "LAeq, dBA" once the session is calibrated. */
export function levelAxisLabel(result: AnalysisResult, level: PlotOptions['level'] = 'laeq'): string {
  return measureLabel(level, result.alignment.weighting, result.calibrationDb !== null)
}

/**
 * The gain-versus-level scatter of the paper's Fig. 7 for one session, as a standalone SVG document sized in
 * pixels: one marker style per gain, each with its least-squares line, r and n in the legend, labelled axes
 * with units (the figure engine's single-panel scatter).
 */
export function plotSvg(result: AnalysisResult, options: PlotOptions = {}): string {
  const o = plotOptions.parse(options)
  const panel = scatterPanel(result, o.level, o.gains, null)
  if (panel.series.every((s) => s.points.length === 0))
    throw new UserError(
      `no aligned interval has both a gain and ${MEASURES[o.level].name(result.alignment.weighting)}; plot another level`,
    )
  const xLabel = levelAxisLabel(result, o.level)
  const mm = (px: number) => (px / PX_PER_INCH) * MM_PER_INCH
  return figureSvg(
    {
      title: o.title ?? `Session ${result.sessionId}: reported gain vs ${xLabel.split(',')[0]}`,
      xLabel,
      yLabel: 'Reported audio gain (dB)',
      yRightLabel: null,
      panels: [panel],
      constants: {},
    },
    { widthMm: mm(o.width), heightMm: mm(o.height) },
  )
}
