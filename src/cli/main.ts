import { Command, CommanderError } from 'commander'
import { UserError } from '../core/errors'
import { commands } from './commands'

const program = new Command('mutescope')
  .description('MuteScope: audit what video-conferencing apps send while you are muted')
  .version(process.env.MUTESCOPE_VERSION ?? '0.0.0')
  .showHelpAfterError('(run "mutescope --help" for usage)')
  .exitOverride()
for (const register of commands) register(program)

program.parseAsync(process.argv).catch((err: unknown) => {
  // Commander has already printed its own message (unknown option, missing argument, help, version).
  if (err instanceof CommanderError) process.exitCode = err.exitCode
  else if (err instanceof UserError) {
    // An option parser (positiveInt, finiteNumber) refused a value.
    process.stderr.write(`mutescope: ${err.message}\n`)
    process.exitCode = 1
  } else {
    process.stderr.write(`mutescope: ${String(err)}\n`)
    process.exitCode = 2
  }
})
