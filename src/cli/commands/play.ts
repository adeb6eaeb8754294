import type { Command } from 'commander'
import { expandPlaylists } from '../../core/audio/playlist'
import { micSetup } from '../../core/mic'
import { UserError } from '../../core/errors'
import { Player } from '../../core/playback/player'
import { labPlaybackOutput, parsePlayOn } from '../../core/playback/remote-output'
import { clockOffsetText } from '../../shared/clock-offset-text'
import { dataDir } from '../../core/paths'
import type { LabPlayback } from '../../shared/contract/lab-link'
import type { LevelWindow } from '../../shared/model'
import { action, printJsonLine } from '../action'
import { optionParser } from '../frida-options'
import { weightingOption, windowOption } from './levels'

const clock = (t: number) => new Date(t).toISOString().slice(11, 23)
const db = (x: number | null) => (x === null ? '-' : x.toFixed(1))

function windowLine(w: LevelWindow): string {
  return (
    `${clock(w.startT)}-${clock(w.endT)}  L${w.weighting}eq ${db(w.leq)}  L${w.weighting}Fmax ${db(w.lmax)}  ` +
    `L${w.weighting}Fmin ${db(w.lmin)}  peak ${db(w.peak)}  powerDb ${db(w.powerDb)}  ${w.episode ?? ''}`
  )
}

export function registerPlay(program: Command): void {
  program
    .command('play <files...>')
    .description(
      'play episodes in real time into the virtual microphone (or --output-device), printing the levels of ' +
        'what was played per window with wall-clock bounds; Ctrl-C stops',
    )
    .option('--output-device <name>', 'play into this device instead (a PulseAudio sink name on Linux)')
    .option(
      '--play-on <portal:machine>',
      "play into a lab machine's virtual microphone, through the portal it links to; levels are measured here",
      optionParser(parsePlayOn),
    )
    .option('--loop', 'start the playlist again at its end, until stopped')
    .option('--window <s>', 'level window in seconds', '60')
    .option('--weighting <A|C|Z>', 'frequency weighting', 'A')
    .option('--json', 'print one JSON line per event ({event, ...})')
    .action(
      action(
        async (
          files: string[],
          opts: {
            outputDevice?: string
            playOn?: LabPlayback
            loop?: boolean
            window: string
            weighting: string
            json?: boolean
          },
        ) => {
          const windowS = windowOption(opts.window)
          const weighting = weightingOption(opts.weighting)
          const out = (event: string, data: object, text: string) =>
            opts.json ? printJsonLine({ event, ...data }) : process.stdout.write(text + '\n')
          if (opts.playOn && opts.outputDevice)
            throw new UserError('give --output-device or --play-on, not both')
          const remote = opts.playOn
            ? labPlaybackOutput(dataDir(), opts.playOn, (o) =>
                out('clock-offset', o, `clock offset of ${opts.playOn!.machine}: ${clockOffsetText(o)}`),
              )
            : null
          let device = remote?.label ?? opts.outputDevice
          if (!device) {
            // A microphone made here is removed when this command exits.
            const mic = await micSetup({ removeAtExit: true })
            device = mic.outputDevice!
            if (!opts.json) process.stderr.write(`playing into the virtual microphone "${mic.inputDevice}"\n`)
          }
          const player = new Player({
            episodes: expandPlaylists(files),
            device,
            loop: opts.loop,
            windowS,
            weighting,
            open: remote?.open,
          })
          player.on('start', (e) => out('start', e, `${clock(e.t)}  start`))
          player.on('episode', (e) =>
            out('episode', e, `${clock(e.t)}  episode ${e.index + 1}: ${e.episode}`),
          )
          player.on('window', (w) => out('window', w, windowLine(w)))
          player.on('stop', (e) => out('stop', e, `${clock(e.t)}  stop (${e.reason})`))
          const stop = () => void player.stop()
          process.once('SIGINT', stop)
          process.once('SIGTERM', stop)
          try {
            await player.start()
            const end = await player.done
            if (end.reason === 'error') throw new UserError(`playback failed: ${end.error}`)
          } finally {
            process.off('SIGINT', stop)
            process.off('SIGTERM', stop)
          }
        },
      ),
    )
}
