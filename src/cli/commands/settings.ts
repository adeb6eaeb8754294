import type { Command } from 'commander'
import { dataDir } from '../../core/paths'
import { readSettings, updateSettings } from '../../core/settings'
import { action, printJsonLine } from '../action'
import { calibrationOption } from './correlate'

export function registerSettings(program: Command): void {
  program
    .command('settings')
    .description('show or change the preferences kept in the data folder')
    .option(
      '--calibration <db>',
      "default calibration offset of new sessions: dB SPL of digital full scale at the microphone, or 'none'",
    )
    .option('--json', 'print JSON')
    .action(
      action((opts: { calibration?: string; json?: boolean }) => {
        const dir = dataDir()
        const calibrationDb = calibrationOption(opts.calibration)
        const settings =
          calibrationDb === undefined ? readSettings(dir) : updateSettings(dir, { calibrationDb })
        if (opts.json) printJsonLine(settings)
        else
          process.stdout.write(
            `calibration of new sessions: ${settings.calibrationDb === null ? 'none (levels in dBFS)' : `${settings.calibrationDb} dB (levels in dBA)`}\n`,
          )
      }),
    )
}
