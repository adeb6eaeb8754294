import { Resvg } from '@resvg/resvg-js'

/**
 * Rasterises an SVG plot to PNG with resvg (its native binary ships inside the npm package). Text needs a
 * font: resvg reads the system's fonts, and `fontFile` when given (the figure font, so PNG and PDF match).
 * `fit`: a zoom factor (2 = 192 dpi look for a plot sized in CSS pixels), or the width in pixels.
 */
export function svgToPng(
  svg: string,
  fit: number | { widthPx: number; fontFile?: string | null } = 1,
): Buffer {
  const opts = typeof fit === 'number' ? { zoom: fit, fontFile: null } : fit
  const resvg = new Resvg(svg, {
    fitTo:
      'widthPx' in opts
        ? { mode: 'width', value: opts.widthPx }
        : opts.zoom === 1
          ? { mode: 'original' }
          : { mode: 'zoom', value: opts.zoom },
    background: '#ffffff',
    font: {
      loadSystemFonts: true,
      defaultFontFamily: 'DejaVu Sans',
      ...(opts.fontFile ? { fontFiles: [opts.fontFile] } : {}),
    },
  })
  return resvg.render().asPng()
}
