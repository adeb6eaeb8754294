import type { Command } from 'commander'
import { action, printJsonLine } from '../action'
import { callApi } from '../dispatch'
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
      action(async (opts: { calibration?: string; json?: boolean }) => {
        const calibrationDb = calibrationOption(opts.calibration)
        const settings =
          calibrationDb === undefined
            ? await callApi('getSettings', {})
            : await callApi('updateSettings', { calibrationDb })
        if (opts.json) printJsonLine(settings)
        else
          process.stdout.write(
            `calibration of new sessions: ${settings.calibrationDb === null ? 'none (levels in dBFS)' : `${settings.calibrationDb} dB (levels in dBA)`}\n`,
          )
      }),
    )
}
