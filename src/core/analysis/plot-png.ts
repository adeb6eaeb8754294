import { Resvg } from '@resvg/resvg-js'

/**
 * Rasterises an SVG plot to PNG with resvg (its native binary ships inside the npm package). Text needs a
 * font: resvg reads the system's fonts; `scale` renders at higher resolution for print (2 = 192 dpi look).
 */
export function svgToPng(svg: string, scale = 1): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
  return resvg.render().asPng()
}
