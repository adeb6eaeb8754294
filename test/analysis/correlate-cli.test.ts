import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { analyzeSession } from '../../src/core/analysis/analyze'
import { pairsCsv } from '../../src/core/analysis/pairs-csv'
import { SessionStore } from '../../src/core/store/session-store'
import { runCli, tempDir } from '../support/helpers'
import { gainRecord, writeSyntheticSession } from './synthetic-session'

/** A data folder holding one synthetic session (lag 5 s) and one with only two records. */
function seeded() {
  const dataDir = tempDir()
  const store = SessionStore.open({ dir: dataDir })
  const s = writeSyntheticSession(store, { intervalS: 10, records: 24, lagS: 5, seed: 31 })
  const short = store.createSession({ name: 'short', intervalS: 10 })
  store.appendTelemetry(short.id, [gainRecord(1000, 1, 2, 3), gainRecord(11_000, 1, 2, 3)])
  const expected = analyzeSession(store, s.id, { lagS: 5 })
  store.close()
  return { dataDir, id: s.id, shortId: short.id, expected }
}

describe('mutescope correlate', () => {
  const { dataDir, id, shortId, expected } = seeded()

  it('prints exactly the documented JSON contract', () => {
    const r = runCli(['correlate', String(id), '--lag', '5', '--json'], { dataDir })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(Object.keys(out).sort()).toEqual([
      'calibrationDb',
      'lafmax',
      'maxMagnitude',
      'meanMagnitude',
      'n',
      'pairs',
      'pearson',
      'spearman',
    ])
    expect(out.calibrationDb).toBeNull()
    expect(out.n).toBe(24)
    expect(out.pairs).toHaveLength(24)
    expect(Object.keys(out.pairs[0]).sort()).toEqual(
      [
        'audioMaxGain',
        'audioMeanGain',
        'audioMinGain',
        'lafmax',
        'laeq',
        'maxMagnitude',
        'meanMagnitude',
        't',
      ].sort(),
    )
    expect(out.pairs[0]).toEqual({
      t: expected.pairs[0].t,
      audioMinGain: expected.pairs[0].audioMinGain,
      audioMeanGain: expected.pairs[0].audioMeanGain,
      audioMaxGain: expected.pairs[0].audioMaxGain,
      laeq: expected.pairs[0].laeq,
      lafmax: expected.pairs[0].lafmax,
      maxMagnitude: expected.pairs[0].maxMagnitude,
      meanMagnitude: expected.pairs[0].meanMagnitude,
    })
    for (const g of ['min', 'mean', 'max'] as const) {
      const p = expected.laeq.pearson[g]
      expect(out.pearson[g]).toEqual({ r: p?.r, ci: p?.ci, p: p?.p })
      expect(out.spearman[g]).toEqual({
        rho: expected.laeq.spearman[g]?.rho,
        p: expected.laeq.spearman[g]?.p,
      })
      expect(out.lafmax.pearson[g]).toEqual({
        r: expected.lafmax.pearson[g]?.r,
        ci: expected.lafmax.pearson[g]?.ci,
        p: expected.lafmax.pearson[g]?.p,
      })
    }
    expect(out.pearson.mean.r).toBeCloseTo(-1, 12)
    expect(out.lafmax.n).toBe(expected.lafmax.n)
    expect(out.maxMagnitude.pearson.mean).toEqual({
      r: expected.maxMagnitude.pearson.mean?.r,
      ci: expected.maxMagnitude.pearson.mean?.ci,
      p: expected.maxMagnitude.pearson.mean?.p,
    })
  })

  it('finds the lag itself and writes SVG, PNG and CSV', () => {
    const dir = tempDir()
    const [svg, png, csv] = ['plot.svg', 'plot.png', 'pairs.csv'].map((f) => join(dir, f))
    const r = runCli(
      [
        'correlate',
        String(id),
        '--best-lag',
        '--lag-range',
        '8',
        '--svg',
        svg,
        '--png',
        png,
        '--csv',
        csv,
        '--json',
      ],
      { dataDir },
    )
    expect(r.status).toBe(0)
    expect(r.stderr).toMatch(/best lag 5 s/)
    expect(JSON.parse(r.stdout).pearson.mean.r).toBeCloseTo(-1, 12)
    expect(readFileSync(svg, 'utf8')).toContain('mean gain: r = -1.00, n = 24')
    const image = PNG.sync.read(readFileSync(png))
    expect([image.width, image.height]).toEqual([1440, 960])
    expect(readFileSync(csv, 'utf8')).toBe(pairsCsv(expected))
  })

  it('prints a readable summary without --json', () => {
    const r = runCli(['correlate', String(id), '--lag', '5', '--method', 'fixed'], { dataDir })
    expect(r.status).toBe(0)
    // The first fixed window, moved 5 s earlier by the lag, begins before playback and is left out.
    expect(r.stdout).toMatch(
      /^session \d+: 23 windows \(the paper's fixed windows from playback start, 10 s each, offset 0 s, lag 5 s\)/,
    )
    expect(r.stdout).toContain('levels in dB re digital full scale (no calibration offset)')
    expect(r.stdout).toMatch(/mean gain\s+r = -?\d\.\d\d \[/)
    expect(r.stdout).toContain('vs LAFmax, dBFS (A-weighted) (n = 23)')
    expect(r.stdout).toContain('vs max magnitude (paper), dBFS (n = 23)')
    const calibrated = runCli(['correlate', String(id), '--lag', '5', '--calibration', '94'], { dataDir })
    expect(calibrated.stdout).toContain('levels calibrated: 94 dB added (dB SPL)')
    expect(calibrated.stdout).toContain('vs LAeq, dBA (n = 24)')
  })

  it('fails with a message naming the fix', () => {
    const cases: [string[], RegExp][] = [
      [
        ['correlate', String(shortId), '--json'],
        /2 telemetry record\(s\) with audio gains; correlation needs at least 3/,
      ],
      [['correlate', String(id), '--offset', '7200', '--json'], /only 0 of 24 .*--offset, --lag, --best-lag/],
      [['correlate', '9999', '--json'], /no session with id 9999; run "mutescope sessions list"/],
      [['correlate', String(id), '--method', 'sliding'], /--method must be aligned or fixed/],
      [['correlate', 'abc'], /session id must be a positive whole number/],
      [['correlate', String(id), '--offset', 'abc'], /--offset must be a number, got "abc"/],
      [['correlate', String(id), '--lag-step', '0'], /--lag-step must be greater than 0/],
      [['correlate', String(id), '--offset', '1e9'], /invalid alignment options:[\s\S]*offsetS/],
      [['correlate', String(id), '--scale', '50', '--png', 'x.png'], /--scale must be at most 8/],
      [
        ['correlate', String(id), '--svg', join(tempDir(), 'missing', 'x.svg')],
        /cannot write .*x\.svg.*writable path/,
      ],
    ]
    for (const [args, message] of cases) {
      const r = runCli(args, { dataDir })
      expect(r.status, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(message)
      expect(r.stdout).toBe('')
    }
  })
})
