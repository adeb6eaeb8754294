import type { Element } from '@xmldom/xmldom'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { compareSessions } from '../../src/core/analysis/compare'
import { PlanStore } from '../../src/core/store/plan-store'
import { SessionStore } from '../../src/core/store/session-store'
import type { CompareResult } from '../../src/shared/contract/compare'
import { planSpec } from '../../src/shared/contract/plans'
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
import { writeSyntheticSession } from './synthetic-session'

/**
 * Two conditions × two runs as a plan records them: music mode with gains that follow the level exactly,
 * noise-removal mode with 6 dB of noise on them (a weaker correlation), as in the paper's Figs. 7 and 11.
 */
function seeded() {
  const dataDir = tempDir('mutescope-figure-')
  const store = SessionStore.open({ dir: dataDir })
  const plans = new PlanStore(store)
  const spec = planSpec.parse({
    name: 'Music vs noise removal',
    target: 'refvca',
    episodes: ['friends.mkv'],
    repeats: 2,
    conditions: [{ meta: { micMode: 'music' } }, { meta: { micMode: 'noise-removal' } }],
  })
  const planId = plans.create(spec, [
    { condition: 0, repeat: 1, episode: 'friends.mkv' },
    { condition: 0, repeat: 2, episode: 'friends.mkv' },
    { condition: 1, repeat: 1, episode: 'friends.mkv' },
    { condition: 1, repeat: 2, episode: 'friends.mkv' },
  ])
  const ids: number[] = []
  ;(['music', 'music', 'noise-removal', 'noise-removal'] as const).forEach((micMode, i) => {
    const s = writeSyntheticSession(store, {
      intervalS: 10,
      records: 20 + 2 * i,
      lagS: 0,
      seed: 40 + i,
      noiseDb: micMode === 'music' ? 0 : 6,
    })
    store.updateMeta(s.id, { micMode, name: `run ${i + 1}` })
    plans.startRun(planId, i + 1, s.id)
    plans.endRun(planId, i + 1, 'completed', null, s.id)
    ids.push(s.id)
  })
  plans.setStatus(planId, 'completed')
  const compared = compareSessions(store, plans, { select: { planId }, groupBy: ['micMode'] })
  store.close()
  return { dataDir, planId, ids, compared }
}

/** Markers a series draws: circles, rects (squares) and paths (triangles). */
const markers = (series: Element) =>
  ['circle', 'rect', 'path'].reduce((n, tag) => n + all(series, tag).length, 0)

describe('mutescope figure --kind grouped', () => {
  const { dataDir, planId, compared } = seeded()
  const out = tempDir('mutescope-figure-out-')
  const groupOf = (r: CompareResult, mode: string) => r.groups.find((g) => g.key.micMode === mode)!
  /** `mutescope figure` of the plan's conditions, grouped. */
  const grouped = (...args: string[]) =>
    runCli(['figure', '--plan', String(planId), '--kind', 'grouped', ...args], { dataDir })

  it('exports one panel per condition with shared axes as SVG, whose data is the CSV beside it', () => {
    const svgFile = join(out, 'fig7-11.svg')
    const r = grouped(
      '--group-by',
      'micMode',
      '--out',
      svgFile,
      '--width-mm',
      '160',
      '--height-mm',
      '80',
      '--json',
    )
    expectQuietSuccess(r)
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'svg', widthMm: 160, heightMm: 80, panels: 2 })
    const svg = parseSvg(readFileSync(svgFile, 'utf8'))
    expect(svg.getAttribute('width')).toBe('160mm')
    expect(svg.getAttribute('height')).toBe('80mm')
    // Coordinates are points: 160 mm = 453.54 pt.
    expect(svg.getAttribute('viewBox')).toBe('0 0 453.54 226.77')
    expect(all(svg, 'title')[0].textContent).toBe('Music vs noise removal')
    const panels = byClass(svg, 'panel')
    expect(panels).toHaveLength(2)
    const titles = panels.map(
      (p) => all(p, 'text').find((t) => t.getAttribute('class') === 'panel-title')?.textContent,
    )
    expect(titles).toEqual(['micMode = music', 'micMode = noise-removal'])
    expect(texts(svg)).toContain('LAeq, dBFS (A-weighted)')
    expect(texts(svg)).toContain('Reported audio gain (dB)')
    panels.forEach((panel, i) => {
      const group = groupOf(compared, i === 0 ? 'music' : 'noise-removal')
      for (const gain of ['max', 'mean', 'min'] as const) {
        const [series] = byClass(panel, `series-${gain}`)
        expect(markers(series)).toBe(group.pairs.filter((p) => p[gain] !== null).length)
        expect(all(series, 'line').filter((l) => l.getAttribute('class') === 'fit')).toHaveLength(1)
        const r2 = group.pearson[gain]!.r!.toFixed(2)
        expect(texts(panel)).toContain(`${gain} gain: r = ${r2}, n = ${group.pearson[gain]!.n}`)
      }
    })
    // Shared axes: only the left panel labels y ticks, and both span the same x range.
    const ticks = (p: Element, anchor: string) =>
      all(p, 'text').filter((t) => t.getAttribute('text-anchor') === anchor).length
    expect(ticks(panels[0], 'end')).toBeGreaterThan(2)
    expect(ticks(panels[1], 'end')).toBe(0)
    // The CSV holds exactly the drawn points: per panel and gain, the pooled pairs of that condition.
    const rows = csvRows(readFileSync(join(out, 'fig7-11.csv'), 'utf8'))
    expect(rows[0]).toEqual([
      'panel',
      'series',
      'session_id',
      'time_iso',
      'LAeq, dBFS (A-weighted)',
      'y',
      'y_axis',
      'calibration_db',
      'method',
    ])
    for (const mode of ['music', 'noise-removal']) {
      const group = groupOf(compared, mode)
      const mine = rows.filter((row) => row[0] === `micMode = ${mode}` && row[1] === 'mean')
      expect(mine.map((row) => [Number(row[2]), Number(row[4]), Number(row[5])])).toEqual(
        group.pairs.filter((p) => p.mean !== null).map((p) => [p.sessionId, p.level, p.mean]),
      )
    }
    expect(rows.length - 1).toBe(
      panels.reduce(
        (n, p) => n + ['max', 'mean', 'min'].reduce((m, g) => m + markers(byClass(p, `series-${g}`)[0]), 0),
        0,
      ),
    )
  })

  it('exports the same figure as a PDF page of that size that pdftoppm renders, with the font embedded', () => {
    const pdf = join(out, 'fig7-11.pdf')
    const r = grouped('--out', pdf, '--width-mm', '160', '--height-mm', '80')
    expectQuietSuccess(r)
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-')
    const page = renderPdf(pdf, 144, out)
    // 160 x 80 mm at 144 dpi (907.1 x 453.5 px; pdftoppm rounds up).
    expect(page.width).toBeCloseTo(907.1, -0.5)
    expect(page.height).toBeCloseTo(453.5, -0.5)
    // Each panel shows the three gains' colours; the right half (second panel) too.
    for (const colour of ['#d62728', '#1f77b4', '#2ca02c']) {
      expect(colourPixels(page, colour, 0, page.width / 2)).toBeGreaterThan(50)
      expect(colourPixels(page, colour, page.width / 2)).toBeGreaterThan(50)
    }
    // Text is drawn: the title band holds dark pixels, and the page corner is blank.
    let dark = 0
    for (let y = 0; y < 40; y++)
      for (let x = 0; x < page.width; x++) if (page.data[(page.width * y + x) * 4] < 100) dark++
    expect(dark).toBeGreaterThan(200)
    expect(colourPixels(page, '#ffffff', 0, 8)).toBeGreaterThan(page.height * 7)
    expect(embedsFigureFont(pdf)).toBe(true)
  })

  it('exports PNG at the chosen width and dpi, overlays the conditions, and labels calibrated levels dBA', () => {
    const png = join(out, 'overlay.png')
    const r = grouped(
      '--layout',
      'overlay',
      '--gain',
      'mean',
      '--out',
      png,
      '--width-mm',
      '85',
      '--dpi',
      '150',
      '--calibration',
      '94',
      '--title',
      'Overlay',
    )
    expectQuietSuccess(r)
    const image = PNG.sync.read(readFileSync(png))
    expect(image.width).toBe(Math.round((85 / 25.4) * 150))
    const rows = csvRows(readFileSync(join(out, 'overlay.csv'), 'utf8'))
    expect(rows[0][4]).toBe('LAeq, dBA')
    expect(rows[0][6]).toBe('y_axis')
    expect(new Set(rows.slice(1).map((row) => row[7]))).toEqual(new Set(['94']))
    // Calibrated levels are the recorded ones plus 94 dB.
    const music = groupOf(compared, 'music').pairs.filter((p) => p.mean !== null)
    expect(rows.slice(1, 1 + music.length).map((row) => Number(row[4]))).toEqual(
      music.map((p) => p.level + 94),
    )
    const svg = grouped('--layout', 'overlay', '--out', join(out, 'o.svg'))
    expect(svg.status).toBe(0)
    const doc = parseSvg(readFileSync(join(out, 'o.svg'), 'utf8'))
    expect(byClass(doc, 'panel')).toHaveLength(1)
    const legend = texts(byClass(doc, 'legend')[0])
    for (const mode of ['music', 'noise-removal']) {
      const p = groupOf(compared, mode).pearson.mean!
      expect(legend).toContain(`micMode = ${mode}: r = ${p.r!.toFixed(2)}, n = ${p.n}`)
    }
  })

  it('scatter and timeseries draw one panel per session, titled from the session', () => {
    const scatter = join(out, 'one.svg')
    expect(runCli(['figure', '1', '--kind', 'scatter', '--out', scatter], { dataDir }).status).toBe(0)
    const one = parseSvg(readFileSync(scatter, 'utf8'))
    expect(all(one, 'title')[0].textContent).toBe('run 1')
    expect(byClass(one, 'panel')).toHaveLength(1)
    const ts = join(out, 'ts.svg')
    expect(runCli(['figure', '1', '2', '--kind', 'timeseries', '--out', ts], { dataDir }).status).toBe(0)
    const doc = parseSvg(readFileSync(ts, 'utf8'))
    expect(byClass(doc, 'panel')).toHaveLength(2)
    expect(texts(doc)).toContain('Time since playback start (min)')
    expect(all(doc, 'text').find((t) => t.getAttribute('class') === 'y-right-label')?.textContent).toBe(
      'LAeq, dBFS (A-weighted)',
    )
  })

  it('refuses what it cannot draw, naming the fix', () => {
    const cases: [string[], RegExp][] = [
      [
        ['figure', '1', '--kind', 'grouped', '--out', join(out, 'x.gif')],
        /end the file name in \.svg, \.pdf or \.png/,
      ],
      [['figure', '1', '--kind', 'pie', '--out', join(out, 'x.svg')], /kind/],
      [['figure', '--kind', 'scatter', '--out', join(out, 'x.svg')], /choose the sessions one way/],
      [
        ['figure', '1', '--kind', 'grouped', '--group-by', 'colour', '--out', join(out, 'x.svg')],
        /cannot group by "colour"/,
      ],
      [['figure', '1', '--kind', 'scatter', '--dpi', '5', '--out', join(out, 'x.png')], /dpi/],
    ]
    for (const [args, message] of cases) {
      const r = runCli(args, { dataDir })
      expect(r.status, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(message)
    }
    const store = SessionStore.open({ dir: dataDir })
    store.updateMeta(1, { calibrationDb: 94 })
    store.close()
    const mixed = runCli(['figure', '1', '3', '--kind', 'scatter', '--out', join(out, 'x.svg')], { dataDir })
    expect(mixed.status).toBe(1)
    expect(mixed.stderr).toMatch(/different calibrations \(1: 94, 3: none\).*same calibration offset/)
  })
})
