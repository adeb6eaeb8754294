import type { Command } from 'commander'
import { readFileSync } from 'node:fs'
import { UserError } from '../../core/errors'
import { spawnNode } from '../../core/node-launcher'
import { refvcaMode } from '../../shared/contract/experiment'
import { agcModelName } from '../../core/refvca/agc'
import { micApis, type MicApi } from '../../core/refvca/audio-input'
import { runRefvca, type SentReport } from '../../core/refvca/refvca'
import { startSinkProcess, type SinkProcess } from '../../core/sink/sink-process'
import { action, printJsonLine } from '../action'

interface Opts {
  source?: string
  file?: string
  interval: string
  sink?: string
  ca?: string
  once?: boolean
  mode: string
  api?: string
  json?: boolean
}

function positiveSeconds(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0 || n > 86_400)
    throw new UserError(`--interval must be seconds in (0, 86400], got "${value}"`)
  return n
}

/**
 * Starts `mutescope sink` as a child process (its own process, so hooks on refvca see only the client's
 * side) and resolves with its URL and certificate once it listens. Its later lines go to our stdout.
 */
function startOwnSink(): Promise<SinkProcess> {
  return startSinkProcess(spawnNode, process.argv[1], {
    onLine: (line) => process.stdout.write(line + '\n'),
    onError: (line) => process.stderr.write(line + '\n'),
  })
}

function sinkUrl(text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UserError(`--sink must be a URL like https://127.0.0.1:8443, got "${text}"`)
  }
  if (url.protocol !== 'https:')
    throw new UserError(`--sink must be an https:// URL (refvca speaks TLS like a real app), got "${text}"`)
  return url
}

export function registerRefvca(program: Command): void {
  program
    .command('refvca')
    .description(
      'run the reference target: a long-running app that listens to a microphone while "muted" and reports AGC gains (a documented model, not Webex\'s algorithm) in Webex-shaped HTTPS telemetry',
    )
    .option('--source <name>', 'PulseAudio source to record (see "pactl list short sources")')
    .option('--file <file>', 'audio file played as the microphone, in real time (looped unless --once)')
    .option('--once', 'with --file: stop after the file ends (reporting the last, partial interval)')
    .option(
      '--api <api>',
      "with --source: read it through pulse (PulseAudio, parec) or alsa (ALSA's pulse plugin, arecord -D pulse); default pulse",
    )
    .option('--interval <s>', 'seconds of audio per report', '60')
    .option(
      '--mode <mode>',
      'microphone mode: music (the signal as it is) or noise-removal (a documented suppression model before the AGC)',
      'music',
    )
    .option(
      '--sink <url>',
      'https URL of the telemetry sink (default: start "mutescope sink" on a free local port)',
    )
    .option(
      '--ca <file>',
      'PEM certificate to trust for --sink (written by "mutescope sink --cert-out FILE")',
    )
    .option('--json', 'print JSON lines')
    .action(
      action(async (opts: Opts) => {
        if ((opts.source === undefined) === (opts.file === undefined))
          throw new UserError('give exactly one input: --source NAME or --file FILE')
        if (opts.once && !opts.file) throw new UserError('--once only applies to --file')
        if (opts.api !== undefined && !opts.source) throw new UserError('--api only applies to --source')
        if (opts.api !== undefined && !(micApis as readonly string[]).includes(opts.api))
          throw new UserError(`--api must be ${micApis.join(' or ')}, got "${opts.api}"`)
        const api = (opts.api ?? 'pulse') as MicApi
        const intervalS = positiveSeconds(opts.interval)
        const mode = refvcaMode.safeParse(opts.mode)
        if (!mode.success)
          throw new UserError(`--mode must be ${refvcaMode.options.join(' or ')}, got "${opts.mode}"`)
        let ca: string | undefined
        if (opts.ca) {
          try {
            ca = readFileSync(opts.ca, 'utf8')
          } catch (err) {
            throw new UserError(`cannot read --ca ${opts.ca}: ${(err as Error).message}`)
          }
        }
        const url = opts.sink ? sinkUrl(opts.sink) : undefined
        const own = url ? undefined : await startOwnSink()
        const controller = new AbortController()
        const stop = () => controller.abort()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
        const sink = url ?? new URL(own!.url)
        const say = (event: Record<string, unknown>, text: string) =>
          opts.json ? printJsonLine(event) : process.stdout.write(text + '\n')
        say(
          {
            event: 'started',
            pid: process.pid,
            // Its own sink is a child of its own, which whoever follows refvca's process tree leaves alone.
            sinkPid: own?.process.pid ?? null,
            sink: sink.origin,
            intervalS,
            mode: mode.data,
            input: opts.source ?? opts.file,
            api: opts.source ? api : null,
            agc: agcModelName,
          },
          `refvca (pid ${process.pid}) in ${mode.data} mode reporting every ${intervalS} s to ${sink.origin}; gains from the ${agcModelName}`,
        )
        try {
          await runRefvca({
            input: opts.source ? { source: opts.source, api } : { file: opts.file!, loop: !opts.once },
            intervalS,
            mode: mode.data,
            sink,
            ca: own ? own.cert : ca,
            signal: controller.signal,
            onSent: (r: SentReport) =>
              say(
                { event: 'sent', ...r },
                `${r.ts} sent gains max ${r.audioMaxGain} mean ${r.audioMeanGain} min ${r.audioMinGain} (HTTP ${r.status})`,
              ),
            onError: (err) => process.stderr.write(`mutescope: refvca: ${err.message}\n`),
          })
        } finally {
          own?.process.kill()
        }
      }),
    )
}
