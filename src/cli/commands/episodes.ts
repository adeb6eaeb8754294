import type { Command } from 'commander'
import { fewIntervalsWarning } from '../../shared/run-yield'
import { action, finiteNumber, printJsonLine } from '../action'
import { callApi } from '../dispatch'
import { calibrationOption } from './correlate'

const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`
const db = (v: number | null) => (v === null ? '-' : v.toFixed(1))

export function registerEpisodes(program: Command): void {
  program
    .command('episodes <files...>')
    .description(
      'before a run: duration, LAeq and loudest minute of each episode (any ffmpeg format, M3U playlists expanded)',
    )
    .option('--calibration <db>', 'dB added to the levels (SPL of digital full scale), or none', 'none')
    .option('--interval <s>', 'telemetry interval: warn when the playlist gives fewer than 3 intervals')
    .option('--duration <s>', 'the run stops after this many seconds')
    .option('--loop', 'the run loops the playlist')
    .option('--json', 'print one JSON object')
    .action(
      action(
        async (
          files: string[],
          opts: { calibration: string; interval?: string; duration?: string; loop?: boolean; json?: boolean },
        ) => {
          const calibrationDb = calibrationOption(opts.calibration) ?? null
          const result = await callApi('episodeSummaries', { episodes: files, calibrationDb })
          const intervalS = opts.interval === undefined ? null : finiteNumber('--interval')(opts.interval)
          const durationS = opts.duration === undefined ? null : finiteNumber('--duration')(opts.duration)
          const warning =
            intervalS === null
              ? null
              : fewIntervalsWarning(result.totalDurationS, durationS, opts.loop ?? false, intervalS)
          if (opts.json) return printJsonLine({ ...result, warning })
          const unit = calibrationDb === null ? 'dBFS (A-weighted)' : 'dBA'
          const lines = result.episodes.map((e) =>
            e.error
              ? `${e.file}: ${e.error}`
              : `${e.file}: ${clock(e.durationS ?? 0)}, LAeq ${db(e.laeq)} ${unit}, loudest minute at ` +
                `${e.loudestMinute ? `${clock(e.loudestMinute.startS)} (${db(e.loudestMinute.laeq)} ${unit})` : '-'}`,
          )
          if (result.totalDurationS !== null) lines.push(`playlist: ${clock(result.totalDurationS)}`)
          if (warning) lines.push(`warning: ${warning}`)
          process.stdout.write(lines.join('\n') + '\n')
          if (result.episodes.some((e) => e.error)) process.exitCode = 1
        },
      ),
    )
}
