import type { FileLevelsResult } from '../../shared/contract/audio'
import { UserError } from '../errors'
import { decodeAudio } from './decode'
import { LevelMeter, type MeterWindow, type TimeWeighting } from './level-meter'
import type { Weighting } from './weighting'

export interface FileLevelsOptions {
  windowS?: number
  weighting?: Weighting
  timeWeighting?: TimeWeighting
  calibrationDb?: number
}

export type FileLevelWindow = FileLevelsResult['windows'][number]

/** dB to 0.01, seconds to 1 ms: finer digits are noise next to the filters' own tolerance. */
const r2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100)
const r3 = (x: number) => Math.round(x * 1000) / 1000

/** What `mutescope levels --json` prints and the fileLevels request returns. */
export async function fileLevels(file: string, opts: FileLevelsOptions = {}): Promise<FileLevelsResult> {
  const windowS = opts.windowS ?? 60
  if (!(windowS > 0) || !Number.isFinite(windowS)) {
    throw new UserError(`--window must be a positive number of seconds, got ${windowS}`)
  }
  const weighting = opts.weighting ?? 'A'
  const { sampleRate, blocks } = await decodeAudio(file)
  const windows: FileLevelWindow[] = []
  const toWindow = (w: MeterWindow): FileLevelWindow => ({
    startS: r3(w.start / sampleRate),
    durationS: r3(w.length / sampleRate),
    leq: r2(w.leq),
    lmax: r2(w.lmax),
    lmin: r2(w.lmin),
    peak: r2(w.peak),
    powerDb: r2(w.powerDb),
  })
  const meter = new LevelMeter({
    sampleRate,
    weighting,
    timeWeighting: opts.timeWeighting,
    windowS,
    calibrationDb: opts.calibrationDb,
    onWindow: (w) => windows.push(toWindow(w)),
  })
  for await (const block of blocks) meter.push(block)
  const total = meter.finish()
  return {
    file,
    sampleRate,
    durationS: r3(total.samples / sampleRate),
    weighting,
    windows,
    overall: { leq: r2(total.leq), lmax: r2(total.lmax) },
  }
}
