import type { Command } from 'commander'
import { fetchReference } from '../../core/reference/fetch'
import { action, printJsonLine } from '../action'

export function registerData(program: Command): void {
  const data = program
    .command('data')
    .description("the paper's reference data (the authors' files and what is derived from them)")
  data
    .command('fetch')
    .description(
      "download the authors' files (github.com/wi-pi/VCAMuteButton_PoPETS at the pinned commit; MUTESCOPE_REFERENCE_URL " +
        'for a mirror), verify their SHA-256 sums, and derive the telemetry packets from their x64dbg log into the ' +
        'reference folder (MUTESCOPE_REFERENCE_DATA, default reference/ in the data folder)',
    )
    .option(
      '--from <dir>',
      "take the files from an offline copy (the authors' repository paths) instead of downloading",
    )
    .option('--json', 'print one JSON object')
    .action(
      action(async (opts: { from?: string; json?: boolean }) => {
        const r = await fetchReference({ from: opts.from })
        if (opts.json) printJsonLine(r)
        else
          process.stdout.write(
            `${r.verified} of ${r.files} authors' files verified; ${r.packets} telemetry packets derived; ` +
              `reference data in ${r.dir}\n`,
          )
      }),
    )
}
