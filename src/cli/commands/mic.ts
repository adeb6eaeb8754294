import type { Command } from 'commander'
import { micSetup } from '../../core/mic'
import type { MicStatus } from '../../shared/contract/audio'
import { action, printJsonLine } from '../action'
import { callApi } from '../dispatch'

function describe(s: MicStatus): string {
  if (!s.ready) return `no virtual microphone (${s.backend}): ${s.install}`
  return [
    `virtual microphone ready (${s.backend}${s.server ? `, ${s.server}` : ''})`,
    `  MuteScope plays into:        ${s.outputDevice}`,
    `  choose in the meeting app:   ${s.inputDevice}`,
  ].join('\n')
}

export function registerMic(program: Command): void {
  const mic = program
    .command('mic')
    .description('the virtual microphone episodes are played into (PulseAudio/PipeWire, VB-Cable, BlackHole)')

  function sub<T>(
    name: string,
    description: string,
    run: () => Promise<T>,
    text: (result: T) => string,
  ): void {
    mic
      .command(name)
      .description(description)
      .option('--json', 'print JSON')
      .action(
        action(async (opts: { json?: boolean }) => {
          const result = await run()
          if (opts.json) printJsonLine(result)
          else process.stdout.write(text(result) + '\n')
        }),
      )
  }

  sub(
    'status',
    'whether the virtual microphone exists, and what to install when it does not',
    () => callApi('micStatus', {}),
    describe,
  )
  sub(
    'setup',
    'create it (Linux; kept until "mic teardown") or find it (Windows, macOS); safe to repeat',
    // Not the API's micSetup: a microphone made from the app goes away with it, this one stays.
    () => micSetup(),
    describe,
  )
  sub(
    'teardown',
    'remove the virtual microphone MuteScope created; safe to repeat',
    () => callApi('micTeardown', {}),
    (r) => (r.removed > 0 ? `removed the virtual microphone (${r.removed} modules)` : 'nothing to remove'),
  )
}
