import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyzeSession } from '../../src/core/analysis/analyze'
import { exportAnalysis } from '../../src/core/analysis/export'
import { pairsCsv } from '../../src/core/analysis/pairs-csv'
import { svgToPng } from '../../src/core/analysis/plot-png'
import { plotSvg } from '../../src/core/analysis/plot-svg'
import { niceTicks } from '../../src/core/analysis/ticks'
import type { AnalysisResult } from '../../src/shared/contract/analysis'
import { tempStore, writeSyntheticSession, type TempStore } from './synthetic-session'

let tmp: TempStore
let result: AnalysisResult
let id: number
beforeAll(() => {
  tmp = tempStore()
  id = writeSyntheticSession(tmp.store, { intervalS: 10, records: 30, lagS: 0, seed: 21 }).id
  result = analyzeSession(tmp.store, id)
})
afterAll(() => tmp.close())

function count(haystack: string, needle: string | RegExp): number {
  return haystack.split(needle).length - 1
}

/** Dark pixels inside a rectangle of a decoded PNG: where text or markers were drawn. */
function inkIn(png: PNG, x0: number, y0: number, x1: number, y1: number): number {
  let ink = 0
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = (png.width * y + x) * 4
      if (png.data[i] < 120 && png.data[i + 1] < 120 && png.data[i + 2] < 120) ink++
    }
  return ink
}

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    expect(niceTicks(-57.3, -21.9)).toEqual({ lo: -60, hi: -20, ticks: [-60, -50, -40, -30, -20] })
    expect(niceTicks(0.12, 0.49).ticks).toEqual([0.1, 0.2, 0.3, 0.4, 0.5])
    expect(niceTicks(41, 77).ticks).toEqual([40, 50, 60, 70, 80])
    expect(niceTicks(5, 5)).toEqual({ lo: 4, hi: 6, ticks: [4, 4.5, 5, 5.5, 6] })
  })
})

describe('plotSvg', () => {
  const svg = () => plotSvg(result)

  it('labels both axes with units and the legend with r and n per gain', () => {
    const s = svg()
    expect(s.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(s).toContain('>LAeq, dBFS (A-weighted)</text>')
    expect(s).toContain('>Reported audio gain (dB)</text>')
    for (const g of ['min', 'mean', 'max'] as const) {
      const p = result.laeq.pearson[g]
      expect(s).toContain(`${g} gain: r = ${p?.r?.toFixed(2)}, n = 30`)
    }
    expect(result.laeq.pearson.mean?.r).toBeCloseTo(-1, 9)
    expect(s).toContain('mean gain: r = -1.00, n = 30')
  })

  it('draws one marker per pair and gain, and a fit line per gain', () => {
    const s = svg()
    expect(count(s, '<circle')).toBe(30 + 1) // mean gain markers plus the legend's
    expect(count(s, '<rect x=')).toBeGreaterThanOrEqual(30 + 1) // min gain markers (and frames)
    expect(count(s, 'class="fit"')).toBe(3)
  })

  it('plots only the chosen gains and level, escapes the title, labels calibrated levels', () => {
    const s = plotSvg(
      { ...result, calibrationDb: 94 },
      { gains: ['mean'], level: 'lafmax', title: 'Webex <muted> & "music"' },
    )
    expect(s).toContain('>LAFmax, dBA</text>')
    expect(s).toContain('Webex &#60;muted&#62; &#38; &#34;music&#34;')
    expect(s).not.toContain('<muted>')
    expect(count(s, 'class="fit"')).toBe(1)
    expect(s).not.toContain('max gain:')
  })
})

describe('svgToPng', () => {
  it('renders the plot at its size (and scaled), with text drawn from a system font', () => {
    const png = PNG.sync.read(svgToPng(plotSvg(result)))
    expect([png.width, png.height]).toEqual([720, 480])
    // The strip left of the tick labels holds only the rotated y-axis label: ink there means text was drawn.
    expect(inkIn(png, 4, 150, 26, 330)).toBeGreaterThan(100)
    // The plot area has markers in it, and a corner outside every element stays white.
    expect(inkIn(png, 72, 44, 696, 422)).toBeGreaterThan(0)
    expect(inkIn(png, 0, 0, 20, 20)).toBe(0)
    const big = PNG.sync.read(svgToPng(plotSvg(result, { width: 400, height: 300 }), 2))
    expect([big.width, big.height]).toEqual([800, 600])
  })
})

describe('pairsCsv', () => {
  it('writes a header and one row per aligned window, empty cells for missing values', () => {
    const lines = pairsCsv(result).trimEnd().split('\r\n')
    expect(lines[0]).toBe(
      't,time_iso,window_start,window_end,audioMinGain,audioMeanGain,audioMaxGain,laeq,lafmax,maxMagnitude,meanMagnitude,calibrationDb',
    )
    expect(lines).toHaveLength(31)
    const first = lines[1].split(',')
    const p = result.pairs[0]
    expect(Number(first[0])).toBe(p.t)
    expect(first[1]).toBe(new Date(p.t).toISOString())
    expect(Number(first[5])).toBe(p.audioMeanGain)
    expect(Number(first[7])).toBe(p.laeq)
    const blank = pairsCsv({ ...result, pairs: [{ ...p, lafmax: null, audioMinGain: null }] }).split(
      '\r\n',
    )[1]
    expect(blank.split(',')[4]).toBe('')
    expect(blank.split(',')[8]).toBe('')
  })
})

describe('exportAnalysis', () => {
  it('returns SVG and CSV as text and PNG as base64, named for the session', () => {
    const svg = exportAnalysis(tmp.store, id, 'svg')
    expect(svg).toMatchObject({ fileName: `mutescope-session-${id}-laeq.svg`, mimeType: 'image/svg+xml' })
    expect(svg.data).toBe(plotSvg(result))
    const csv = exportAnalysis(tmp.store, id, 'csv', { lagS: 0 })
    expect(csv).toMatchObject({ fileName: `mutescope-session-${id}-aligned.csv`, encoding: 'utf8' })
    expect(csv.data).toBe(pairsCsv(result))
    const png = exportAnalysis(tmp.store, id, 'png', {}, { level: 'lafmax' })
    expect(png).toMatchObject({ fileName: `mutescope-session-${id}-lafmax.png`, encoding: 'base64' })
    const decoded = PNG.sync.read(Buffer.from(png.data, 'base64'))
    expect([decoded.width, decoded.height]).toEqual([1440, 960])
  })
})
