import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { RefvcaMode } from '../../shared/contract/experiment'
import { UserError } from '../errors'
import { spawnNode, type NodeLauncher } from '../node-launcher'
import { packageRoot } from '../paths'
import { startSinkProcess } from '../sink/sink-process'
import type { SentReport } from './refvca'

/** How long refvca may take to end after SIGTERM. */
const stopWaitMs = 5000

export interface RefvcaProcessOptions {
  /** PulseAudio source name (e.g. "mutescope_mic"), or an audio file played in real time, looped. */
  input: { source: string } | { file: string }
  intervalS: number
  mode?: RefvcaMode
  /** https URL of a sink; a "mutescope sink" process is started for refvca when omitted. */
  sink?: string
  /** PEM file to trust for `sink`. */
  ca?: string
  onReport?: (report: SentReport) => void
  /** Lines refvca writes to stderr (undeliverable reports and the like). */
  onWarning?: (message: string) => void
  /** How to start Node scripts (Electron's main process passes its own); this Node executable by default. */
  launch?: NodeLauncher
}

export interface RefvcaProcess {
  /** The process to attach to: it is the one making the HTTPS requests. */
  pid: number
  /** The sink started for refvca, if one was: the server side, no part of the app. */
  sinkPid: number | null
  /** Resolves with a description when the process ends. */
  exited: Promise<string>
  stop(): Promise<void>
}

/**
 * Runs `mutescope refvca` as its own process (as a real app is one, for Frida to attach to by pid) and
 * resolves once it has started. Its sink is started here, with the same launcher, rather than by refvca:
 * refvca may run in Electron's utility process, which cannot start Node processes of its own.
 */
export async function startRefvcaProcess(o: RefvcaProcessOptions): Promise<RefvcaProcess> {
  const launch = o.launch ?? spawnNode
  const cli = join(packageRoot(), 'bin', 'mutescope.cjs')
  const args = ['refvca', '--interval', String(o.intervalS), '--json']
  if (o.mode) args.push('--mode', o.mode)
  args.push(...('source' in o.input ? ['--source', o.input.source] : ['--file', o.input.file]))
  const warn = (line: string) => o.onWarning?.(line.replace(/^mutescope: (refvca: |sink: )?/, ''))
  const own = o.sink ? undefined : await startSinkProcess(launch, cli, { onError: warn })
  // refvca reads the certificate to trust from a file.
  const caDir = own && mkdtempSync(join(tmpdir(), 'mutescope-refvca-'))
  const cleanUp = () => {
    own?.process.kill()
    if (caDir) rmSync(caDir, { recursive: true, force: true })
  }
  if (own && caDir) {
    writeFileSync(join(caDir, 'sink.pem'), own.cert)
    args.push('--sink', own.url, '--ca', join(caDir, 'sink.pem'))
  } else {
    args.push('--sink', o.sink!)
    if (o.ca) args.push('--ca', o.ca)
  }
  const child = await launch(cli, args).catch((err: unknown) => {
    cleanUp()
    throw err
  })
  let stderr = ''
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr = line
    warn(line)
  })
  const exited = child.exited.then((how) => {
    cleanUp()
    return `refvca exited (${how})${stderr ? `: ${stderr}` : ''}`
  })
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
          pid: child.pid,
          sinkPid: own?.process.pid ?? null,
          exited,
          stop: async () => {
            child.kill()
            // refvca ends on SIGTERM within a moment; one that does not (frozen mid-attach) is killed.
            // By pid: either launcher's process is a real one, and only SIGTERM is in their interface.
            const timer = setTimeout(() => killQuietly(child.pid), stopWaitMs)
            await exited
            clearTimeout(timer)
          },
        })
      else if (event.event === 'sent') o.onReport?.(event as SentReport)
    })
    void exited.then((why) => reject(new UserError(`refvca could not start: ${why}`)))
  })
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
