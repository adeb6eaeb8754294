// `npm run bench:analysis`: the analysis layer on a 24-hour session (1,440 one-minute telemetry records,
// 86,400 one-second levels): alignment and statistics, the best-lag search, decimation and plot export.
import { analyzeSession } from '../src/core/analysis/analyze'
import { decimateMinMax } from '../src/core/analysis/decimate'
import { svgToPng } from '../src/core/analysis/plot-png'
import { plotSvg } from '../src/core/analysis/plot-svg'
import { SessionStore } from '../src/core/store/session-store'
import { writeSyntheticSession } from '../test/analysis/synthetic-session'
import { tempDir } from '../test/support/helpers'

const runs = 5

function median(fn: () => unknown): number {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    fn()
    times.push(performance.now() - t0)
  }
  return times.sort((a, b) => a - b)[runs >> 1]
}

const store = SessionStore.open({ dir: tempDir('mutescope-bench-analysis-') })
const s = writeSyntheticSession(store, { intervalS: 60, records: 1440, lagS: 13, seed: 7 })
const result = analyzeSession(store, s.id, { lagS: 13 })
const svg = plotSvg(result)
const seconds = store.levelSeconds(s.id)
const figures = {
  'analyzeSession (load from SQLite, align, statistics)': median(() =>
    analyzeSession(store, s.id, { lagS: 13 }),
  ),
  'analyzeSession with best lag (±60 s, 1 s steps: 121 alignments)': median(() =>
    analyzeSession(store, s.id, { bestLag: true }),
  ),
  'decimate 86,400 one-second levels to 1,200 px': median(() => decimateMinMax(seconds, 1200)),
  'plotSvg (4,320 markers)': median(() => plotSvg(result)),
  'PNG at 2x (1440 x 960)': median(() => svgToPng(svg, 2)),
}
const found = analyzeSession(store, s.id, { bestLag: true }).bestLag
store.close()
console.log(
  `24-hour session: ${result.pairs.length} pairs, ${seconds.length} one-second levels; best lag found ${found?.lagS} s (true 13 s)`,
)
for (const [what, ms] of Object.entries(figures))
  console.log(`${what}: median ${ms.toFixed(1)} ms over ${runs} runs`)
console.log(
  `decimated points: ${decimateMinMax(seconds, 1200).length}; SVG ${(svg.length / 1024).toFixed(0)} KiB`,
)
