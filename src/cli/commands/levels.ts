import type { Command } from 'commander'
import type { Weighting } from '../../core/audio/weighting'
import { UserError } from '../../core/errors'
import { action, finiteNumber, printJsonLine } from '../action'
import { callApi } from '../dispatch'

const db = (x: number | null) => (x === null ? '    -' : x.toFixed(1).padStart(6))

/** Parses --weighting; commander's choices() would exit 1 too, but without naming the fix this way. */
export function weightingOption(value: string): Weighting {
  const w = value.toUpperCase()
  if (w !== 'A' && w !== 'C' && w !== 'Z')
    throw new UserError(`--weighting must be A, C or Z, got "${value}"`)
  return w
}

/** Parses --window: any positive number of seconds. */
export function windowOption(value: string): number {
  const s = finiteNumber('--window')(value)
  if (s <= 0) throw new UserError(`--window must be a positive number of seconds, got "${value}"`)
  return s
}

export function registerLevels(program: Command): void {
  program
    .command('levels <file>')
    .description(
      'IEC 61672-1 sound levels of an audio or video file per window: Leq, Fast Lmax/Lmin, peak (dB re full ' +
        "scale + calibration) and the paper's powerDb = -10 lg(mean square)",
    )
    .option('--window <s>', 'window length in seconds (any length)', '60')
    .option('--weighting <A|C|Z>', 'frequency weighting', 'A')
    .option('--calibration <db>', 'dB added to every level (e.g. the SPL of digital full scale)', '0')
    .option('--json', 'print one JSON document')
    .action(
      action(
        async (
          file: string,
          opts: { window: string; weighting: string; calibration: string; json?: boolean },
        ) => {
          const windowS = windowOption(opts.window)
          const weighting = weightingOption(opts.weighting)
          const calibrationDb = finiteNumber('--calibration')(opts.calibration)
          const levels = await callApi('fileLevels', { file, windowS, weighting, calibrationDb })
          if (opts.json) return printJsonLine(levels)
          const w = weighting
          const lines = [
            `${levels.file}: ${levels.durationS} s at ${levels.sampleRate} Hz, ${w}-weighted, dB re full scale` +
              (calibrationDb ? ` + ${calibrationDb}` : ''),
            `   start  L${w}eq L${w}Fmax L${w}Fmin   peak powerDb`,
            ...levels.windows.map(
              (x) =>
                `${x.startS.toFixed(0).padStart(8)} ${db(x.leq)} ${db(x.lmax)}  ${db(x.lmin)} ${db(x.peak)} ${db(x.powerDb)}`,
            ),
            `overall  L${w}eq ${db(levels.overall.leq)}  L${w}Fmax ${db(levels.overall.lmax)}`,
          ]
          process.stdout.write(lines.join('\n') + '\n')
        },
      ),
    )
}
