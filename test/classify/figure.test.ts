import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/core/app'
import { SHORT_LABELS } from '../../src/shared/contract/classify'
import {
  all,
  byClass,
  colourPixels,
  csvRows,
  embedsFigureFont,
  expectQuietSuccess,
  parseSvg,
  renderPdf,
  texts,
} from '../support/figure-files'
import { runCli, tempDir } from '../support/helpers'
import { trainModel } from './trained-model'

const EPOCHS = 6

describe('mutescope figure --kind confusion|curves (a saved classifier model)', () => {
  const dataDir = tempDir('mutescope-model-figure-')
  const { model, file } = trainModel(dataDir, EPOCHS)
  const out = tempDir('mutescope-model-figure-out-')
  const figure = (args: string[]) => runCli(['figure', ...args], { dataDir })

  it('draws the confusion matrix of each set as SVG, with every cell in the CSV beside it', () => {
    const svgFile = join(out, 'confusion.svg')
    const r = figure(['--kind', 'confusion', '--out', svgFile, '--json'])
    expectQuietSuccess(r)
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'svg', widthMm: 170, panels: 3, points: 3 * 36 })
    const svg = parseSvg(readFileSync(svgFile, 'utf8'))
    expect(all(svg, 'title')[0].textContent).toBe(
      'Classifier n = 3, batch 500, seed 1, random split: confusion matrices',
    )
    const panels = byClass(svg, 'panel')
    expect(panels).toHaveLength(3)
    const sets = ['validation', 'eval1', 'eval2'] as const
    panels.forEach((panel, i) => {
      const m = model[sets[i]]
      const title = all(panel, 'text').find((t) => t.getAttribute('class') === 'panel-title')
      expect(title?.textContent).toMatch(new RegExp(`, ${m.windows} windows$`))
      const cells = byClass(panel, 'cell', 'rect')
      expect(cells).toHaveLength(36)
      // Each cell writes its share of the true class in percent, and darker cells hold more.
      const values = byClass(panel, 'cell-value', 'text').map((t) => Number(t.textContent))
      expect(values).toEqual(m.confusion.flat().map((v) => Math.round(v * 100)))
      const red = (c: (typeof cells)[number]) => Number(/rgb\((\d+)/.exec(c.getAttribute('fill')!)![1])
      const flat = m.confusion.flat()
      const most = flat.indexOf(Math.max(...flat))
      const least = flat.indexOf(Math.min(...flat))
      expect(red(cells[most])).toBeLessThan(red(cells[least]))
    })
    // Row labels on the first panel only; column labels under each; both axis titles.
    expect(byClass(panels[0], 'row-label', 'text').map((t) => t.textContent)).toEqual([...SHORT_LABELS])
    expect(byClass(panels[1], 'row-label', 'text')).toHaveLength(0)
    expect(byClass(panels[2], 'col-label', 'text').map((t) => t.textContent)).toEqual([...SHORT_LABELS])
    expect(texts(svg)).toEqual(expect.arrayContaining(['True class', 'Predicted class']))

    const rows = csvRows(readFileSync(join(out, 'confusion.csv'), 'utf8'))
    expect(rows[0]).toEqual([
      'panel',
      'True class',
      'Predicted class',
      'share of the true class’s windows',
      'count',
      'model',
    ])
    expect(rows).toHaveLength(1 + 3 * 36)
    sets.forEach((set, p) => {
      const mine = rows.slice(1 + 36 * p, 1 + 36 * (p + 1))
      expect(mine.map((row) => Number(row[3]))).toEqual(model[set].confusion.flat())
      expect(mine.map((row) => Number(row[4]))).toEqual(model[set].counts.flat())
      expect(mine.map((row) => [row[1], row[2]])).toEqual(
        SHORT_LABELS.flatMap((t) => SHORT_LABELS.map((c) => [t, c])),
      )
      expect(new Set(mine.map((row) => row[5]))).toEqual(new Set([model.id]))
    })
  })

  it('draws the training curves as a PDF page of the chosen size that pdftoppm renders', () => {
    const pdf = join(out, 'curves.pdf')
    const r = figure([
      '--kind',
      'curves',
      '--model',
      model.id,
      '--out',
      pdf,
      '--width-mm',
      '150',
      '--height-mm',
      '90',
      '--title',
      'Training, n = 3',
    ])
    expectQuietSuccess(r)
    expect(r.stdout).toMatch(
      /wrote .*curves\.pdf \(pdf, 150 x 90 mm, 1 panel\(s\)\) and .*curves\.csv \(18 points\)/,
    )
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-')
    const page = renderPdf(pdf, 144, out)
    // 150 x 90 mm at 144 dpi: 850.4 x 510.2 px (pdftoppm rounds up).
    expect(page.width).toBeCloseTo(850.4, -0.5)
    expect(page.height).toBeCloseTo(510.2, -0.5)
    // The loss, accuracy and precision lines are all drawn.
    for (const colour of ['#d62728', '#0072b2', '#009e73'])
      expect(colourPixels(page, colour)).toBeGreaterThan(30)
    expect(embedsFigureFont(pdf)).toBe(true)

    const rows = csvRows(readFileSync(join(out, 'curves.csv'), 'utf8'))
    expect(rows[0]).toEqual(['panel', 'series', 'Epoch', 'y', 'y_axis', 'model', 'best_epoch'])
    const series = (id: string) => rows.filter((row) => row[1] === id)
    expect(series('loss').map((row) => [Number(row[2]), Number(row[3]), row[4]])).toEqual(
      model.history.map((h) => [h.epoch, h.loss, 'Training loss (cross-entropy)']),
    )
    expect(series('val_accuracy').map((row) => Number(row[3]))).toEqual(
      model.history.map((h) => Math.round(h.valAccuracy * 1e6) / 1e4),
    )
    expect(series('val_precision')[0][4]).toBe('Validation accuracy and precision (%)')
    expect(new Set(rows.slice(1).map((row) => row[6]))).toEqual(new Set([String(model.bestEpoch)]))
  })

  it('draws curves as SVG with one point per epoch, and PNG at the chosen width and dpi', () => {
    const svgFile = join(out, 'curves.svg')
    expect(figure(['--kind', 'curves', '--out', svgFile]).status).toBe(0)
    const svg = parseSvg(readFileSync(svgFile, 'utf8'))
    for (const id of ['loss', 'val_accuracy', 'val_precision']) {
      const [line] = all(byClass(svg, `series-${id}`)[0], 'polyline')
      expect(line.getAttribute('points')!.split(' ')).toHaveLength(EPOCHS)
    }
    expect(texts(svg)).toEqual(
      expect.arrayContaining([
        'Epoch',
        'Training loss (cross-entropy)',
        'Validation accuracy and precision (%)',
        `validation precision, weighted (kept epoch ${model.bestEpoch})`,
      ]),
    )
    const png = join(out, 'curves.png')
    expect(figure(['--kind', 'curves', '--out', png, '--width-mm', '85', '--dpi', '200']).status).toBe(0)
    expect(PNG.sync.read(readFileSync(png)).width).toBe(Math.round((85 / 25.4) * 200))
  })

  it('takes a model file from elsewhere, and the sets asked for', () => {
    const copy = join(out, 'colleague-model.json')
    copyFileSync(file, copy)
    const svgFile = join(out, 'eval2.svg')
    const r = figure(['--kind', 'confusion', '--model', copy, '--sets', 'eval2', '--out', svgFile, '--json'])
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toMatchObject({ panels: 1, points: 36, widthMm: 90 })
    const [panel] = byClass(parseSvg(readFileSync(svgFile, 'utf8')), 'panel')
    expect(all(panel, 'text')[0].textContent).toBe(`Evaluation 2 (100 cm), ${model.eval2.windows} windows`)
  })

  it('refuses what it cannot draw, naming the fix', () => {
    const svg = join(out, 'x.svg')
    const cases: [string[], RegExp][] = [
      [
        ['1', '--kind', 'confusion', '--out', svg],
        /draws a classifier model, not sessions: name it with --model/,
      ],
      [['--kind', 'curves', '--plan', '1', '--out', svg], /draws a classifier model, not sessions/],
      [
        ['--kind', 'curves', '--model', 'n9-none', '--out', svg],
        /no model "n9-none"; run "mutescope classify models"/,
      ],
      [
        ['--kind', 'confusion', '--sets', 'eval1,test', '--out', svg],
        /--sets takes validation, eval1, eval2, comma-separated; "test" is none of them/,
      ],
      [['--kind', 'curves', '--model', join(out, 'none.json'), '--out', svg], /cannot read the model file/],
    ]
    for (const [args, message] of cases) {
      const r = figure(args)
      expect(r.status, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(message)
    }
    const empty = runCli(['figure', '--kind', 'curves', '--out', svg], { dataDir: tempDir() })
    expect(empty.status).toBe(1)
    expect(empty.stderr).toMatch(/no trained model yet; run "mutescope classify train/)
  })

  describe('through the API (exportFigure)', () => {
    const app = createApp({ dataDir, transport: 'web' })
    afterAll(() => app.close())

    it('returns the figure and its CSV, named from the title', async () => {
      const reply = await app.dispatch('exportFigure', {
        kind: 'confusion',
        model: model.id,
        sets: ['validation'],
        format: 'svg',
        widthMm: 90,
      })
      expect(reply.ok, JSON.stringify(reply)).toBe(true)
      const { figure: f, csv } = (
        reply as { result: { figure: { data: string; fileName: string }; csv: { data: string } } }
      ).result
      expect(f.fileName).toBe('mutescope-classifier-n-3-batch-500-seed-1-random-split-confusion.svg')
      expect(byClass(parseSvg(f.data), 'panel')).toHaveLength(1)
      expect(csvRows(csv.data)).toHaveLength(37)
      const pdf = await app.dispatch('exportFigure', { kind: 'curves', model: model.id, format: 'pdf' })
      expect(
        Buffer.from((pdf as { result: { figure: { data: string } } }).result.figure.data, 'base64')
          .subarray(0, 5)
          .toString(),
      ).toBe('%PDF-')
      const unknown = await app.dispatch('exportFigure', { kind: 'curves', model: 'nope', format: 'svg' })
      expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } })
    })
  })
})
