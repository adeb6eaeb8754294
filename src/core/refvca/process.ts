import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { RefvcaMode } from '../../shared/contract/experiment'
import { UserError } from '../errors'
import { packageRoot } from '../paths'
import type { SentReport } from './refvca'

export interface RefvcaProcessOptions {
  /** PulseAudio source name (e.g. "mutescope_mic"), or an audio file played in real time, looped. */
  input: { source: string } | { file: string }
  intervalS: number
  mode?: RefvcaMode
  /** https URL of a sink; refvca starts its own "mutescope sink" child when omitted. */
  sink?: string
  /** PEM file to trust for `sink`. */
  ca?: string
  onReport?: (report: SentReport) => void
  /** Lines refvca writes to stderr (undeliverable reports and the like). */
  onWarning?: (message: string) => void
}

export interface RefvcaProcess {
  /** The process to attach to: it is the one making the HTTPS requests. */
  pid: number
  /** Resolves with a description when the process ends. */
  exited: Promise<string>
  stop(): Promise<void>
}

/**
 * Runs `mutescope refvca` as its own process (as a real app is one, for Frida to attach to by pid) and
 * resolves once it has started. Under Electron the same binary runs it as plain Node.
 */
export function startRefvcaProcess(o: RefvcaProcessOptions): Promise<RefvcaProcess> {
  const args = [
    join(packageRoot(), 'bin', 'mutescope.cjs'),
    'refvca',
    '--interval',
    String(o.intervalS),
    '--json',
  ]
  if (o.mode) args.push('--mode', o.mode)
  args.push(...('source' in o.input ? ['--source', o.input.source] : ['--file', o.input.file]))
  if (o.sink) args.push('--sink', o.sink)
  if (o.ca) args.push('--ca', o.ca)
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  })
  let stderr = ''
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr = line
    o.onWarning?.(line.replace(/^mutescope: (refvca: )?/, ''))
  })
  const exited = new Promise<string>((resolve) =>
    child.on('exit', (code, signal) =>
      resolve(`refvca exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr}` : ''}`),
    ),
  )
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let event: { event?: string } & Partial<SentReport>
      try {
        event = JSON.parse(line) as typeof event
      } catch {
        return
      }
      if (event.event === 'started')
        resolve({
          pid: child.pid!,
          exited,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
            await exited
          },
        })
      else if (event.event === 'sent') o.onReport?.(event as SentReport)
    })
    void exited.then((why) => reject(new UserError(`refvca could not start: ${why}`)))
  })
}
