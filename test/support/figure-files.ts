import { DOMParser, type Element } from '@xmldom/xmldom'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { expect } from 'vitest'
import type { CliResult } from './helpers'

/** Parses an SVG document, failing the test on any XML error. */
export function parseSvg(text: string): Element {
  const errors: string[] = []
  const doc = new DOMParser({ onError: (level, msg) => errors.push(`${level}: ${msg}`) }).parseFromString(
    text,
    'image/svg+xml',
  )
  expect(errors).toEqual([])
  return doc.documentElement as unknown as Element
}

export const all = (el: Element, tag: string) => Array.from(el.getElementsByTagName(tag))
/** The elements of `tag` whose class list holds `cls`. */
export const byClass = (el: Element, cls: string, tag = 'g') =>
  all(el, tag).filter((g) => (g.getAttribute('class') ?? '').split(' ').includes(cls))
export const texts = (el: Element) => all(el, 'text').map((t) => t.textContent)

/** The rows of an RFC 4180 CSV (CRLF line ends, quoted cells), as strings. */
export function csvRows(text: string): string[][] {
  return text
    .trimEnd()
    .split('\r\n')
    .map((line) =>
      line
        .match(/("([^"]|"")*"|[^,]*)(,|$)/g)!
        .slice(0, -1)
        .map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"')),
    )
}

/** Counts pixels of one colour (within a tolerance) in a decoded PNG, in the columns [x0, x1). */
export function colourPixels(png: PNG, hex: string, x0 = 0, x1 = png.width): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))
  let n = 0
  for (let y = 0; y < png.height; y++)
    for (let x = x0; x < x1; x++) {
      const i = (png.width * y + x) * 4
      if (
        Math.abs(png.data[i] - r) < 40 &&
        Math.abs(png.data[i + 1] - g) < 40 &&
        Math.abs(png.data[i + 2] - b) < 40
      )
        n++
    }
  return n
}

/** Renders the first page of a PDF with poppler's pdftoppm at `dpi`, as a decoded PNG. */
export function renderPdf(pdf: string, dpi: number, outDir: string): PNG {
  const base = join(outDir, `page-${dpi}`)
  const render = spawnSync('pdftoppm', ['-r', String(dpi), '-png', '-singlefile', pdf, base], {
    encoding: 'utf8',
    timeout: 60_000,
  })
  expect(render.stderr).toBe('')
  expect(render.status).toBe(0)
  return PNG.sync.read(readFileSync(`${base}.png`))
}

/** Whether pdffonts lists the figure font as embedded. */
export function embedsFigureFont(pdf: string): boolean {
  const fonts = spawnSync('pdffonts', [pdf], { encoding: 'utf8', timeout: 60_000 })
  return /DejaVuSans\s.*\byes\b/.test(fonts.stdout)
}

/** Fails the test unless the figure command succeeded without a word on stderr (warnings included). */
export function expectQuietSuccess(r: CliResult): void {
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
}
