/** Types for svg-to-pdfkit, which ships none: the one function and the options MuteScope passes. */
declare module 'svg-to-pdfkit' {
  interface SvgToPdfOptions {
    width?: number
    height?: number
    assumePt?: boolean
    fontCallback?: (family: string, bold: boolean, italic: boolean, options: object) => string
    warningCallback?: (message: string) => void
  }
  function SVGtoPDF(doc: object, svg: string, x: number, y: number, options?: SvgToPdfOptions): void
  export = SVGtoPDF
}
