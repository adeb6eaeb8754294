import type { Command } from 'commander'
import { micSetup, micStatus, micTeardown } from '../../core/mic'
import type { MicStatus } from '../../shared/contract/audio'
import { action, printJsonLine } from '../action'

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

  mic
    .command('status')
    .description('whether the virtual microphone exists, and what to install when it does not')
    .option('--json', 'print JSON')
    .action(
      action(async (opts: { json?: boolean }) => {
        const s = await micStatus()
        if (opts.json) printJsonLine(s)
        else process.stdout.write(describe(s) + '\n')
      }),
    )

  mic
    .command('setup')
    .description('create it (Linux; kept until "mic teardown") or find it (Windows, macOS); safe to repeat')
    .option('--json', 'print JSON')
    .action(
      action(async (opts: { json?: boolean }) => {
        const s = await micSetup()
        if (opts.json) printJsonLine(s)
        else process.stdout.write(describe(s) + '\n')
      }),
    )

  mic
    .command('teardown')
    .description('remove the virtual microphone MuteScope created; safe to repeat')
    .option('--json', 'print JSON')
    .action(
      action(async (opts: { json?: boolean }) => {
        const r = await micTeardown()
        if (opts.json) printJsonLine(r)
        else
          process.stdout.write(
            r.removed > 0 ? `removed the virtual microphone (${r.removed} modules)\n` : 'nothing to remove\n',
          )
      }),
    )
}
