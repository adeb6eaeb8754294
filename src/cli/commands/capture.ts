import type { Command } from 'commander'
import { createWriteStream, fchmodSync, openSync } from 'node:fs'
import { hookGroups, type HookGroup } from '../../agent/protocol'
import type { BackendChoice, FridaBackend, Target } from '../../core/capture/backend'
import { agentSource } from '../../core/capture/agent-source'
import { toCaptureLine } from '../../core/capture/capture-line'
import { CaptureRun } from '../../core/capture/capture-run'
import { recordRun, unseenMessage } from '../../core/capture/record'
import { defaultRedactions, parseRedactions, redactor } from '../../core/capture/redact'
import { openBackend } from '../../core/capture/select-backend'
import { spawnArgv } from '../../core/capture/spawn-argv'
import { useDevice } from '../../core/devices/connect'
import { EgressRun } from '../../core/egress/egress-run'
import { UserError } from '../../core/errors'
import { dataDir } from '../../core/paths'
import { SessionStore } from '../../core/store/session-store'
import { loadProfile, TelemetryDecoder } from '../../core/telemetry'
import type { Capture } from '../../shared/model'
import { printable } from '../../core/capture/bridge-protocol'
import { action, finiteNumber, positiveInt, printJsonLine } from '../action'
import { backendOption, hostOption, optionParser } from '../frida-options'
import { chosenDevice } from './devices'

interface CaptureOpts {
  pid?: number[]
  name?: string
  spawn?: string
  host: string | null
  /** A registered device (devices.json) instead of --host. */
  device?: string
  backend: BackendChoice
  duration?: number
  raw?: string
  json?: boolean
  hooks?: HookGroup[]
  cap?: number
  peer?: string
  contains?: string
  reattach?: boolean
  tree?: boolean
  profile: string
  egress?: boolean
  /** true: the default list. */
  redact?: string[] | true
}

export function targetOf(opts: Pick<CaptureOpts, 'pid' | 'name' | 'spawn' | 'host'>): Target {
  const given = [opts.pid !== undefined, opts.name !== undefined, opts.spawn !== undefined].filter(
    Boolean,
  ).length
  if (given !== 1) throw new UserError('give exactly one of --pid N, --name NAME or --spawn "CMD ARGS"')
  if (opts.pid !== undefined) return { pids: opts.pid }
  if (opts.name !== undefined) return { name: opts.name }
  return { spawn: spawnArgv(opts.spawn ?? '', opts.host) }
}

function hookList(value: string): HookGroup[] {
  const list = value.split(',').map((s) => s.trim())
  const bad = list.filter((h) => !(hookGroups as readonly string[]).includes(h))
  if (bad.length > 0)
    throw new UserError(`unknown hook group "${bad.join(', ')}"; choose from ${hookGroups.join(', ')}`)
  return list as HookGroup[]
}

/** --pid N, repeatable. */
const pidList = optionParser((v: string, prev: number[] = []) => [...prev, positiveInt('--pid')(v)])

function positiveSeconds(value: string): number {
  const s = finiteNumber('--duration')(value)
  if (s <= 0) throw new UserError(`--duration must be more than 0 seconds, got "${value}"`)
  return s
}

function describe(c: Capture): string {
  const time = new Date(c.t).toISOString().slice(11, 23)
  const text = Buffer.from(c.data.subarray(0, 80))
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.')
  return `${time} ${c.pid ?? ''} ${c.dir === 'out' ? '->' : '<-'} ${c.fn} ${c.module} ${c.peer ?? c.conn} ${c.data.length} B  ${text}`
}

/** The --raw file, owner-only (an existing file keeps its mode unless changed): it holds plaintext secrets. */
function openRaw(file: string) {
  try {
    const fd = openSync(file, 'w', 0o600)
    fchmodSync(fd, 0o600)
    return createWriteStream('', { fd })
  } catch (err) {
    throw new UserError(`cannot write ${file}: ${(err as Error).message}; choose a writable path for --raw`)
  }
}

async function capture(opts: CaptureOpts): Promise<void> {
  const device = chosenDevice(opts.device, opts.host)
  const host = device && device.kind !== 'local' ? device.address : opts.host
  // Through a portal, every joined process is the app unless a flag narrows it.
  const untargeted = opts.pid === undefined && opts.name === undefined && opts.spawn === undefined
  const target: Target =
    device?.kind === 'portal' && untargeted ? { every: true } : targetOf({ ...opts, host })
  const decoder = new TelemetryDecoder(loadProfile(opts.profile))
  const raw = opts.raw ? openRaw(opts.raw) : null
  const redact = opts.redact ? redactor(opts.redact === true ? defaultRedactions : opts.redact) : null
  const log = (s: string) => process.stderr.write(`mutescope: ${s}\n`)
  const backend = await openBackend(opts.backend)
  const store = SessionStore.open()
  let egress: EgressRun | null = null
  try {
    if (device) await useDevice(backend, device)
    egress = opts.egress ? await EgressRun.start(dataDir(), host) : null
    if (egress?.unavailable)
      log(`warning: no egress proof, the capture goes on without it: ${egress.unavailable}`)
    const run = new CaptureRun(backend, agentSource(), {
      host,
      target: egress ? egress.target(target) : target,
      tree: opts.tree,
      exclude: backend.pid === undefined ? [] : [backend.pid],
      hooks: opts.hooks,
      cap: opts.cap,
      filter: { peer: opts.peer ?? null, contains: opts.contains ?? null },
      reattach: opts.reattach,
      // A lab device's processes come and go with its link: the run follows them until stopped.
      follow: host !== null && device !== null,
    })
    // Registered first, so each capture line comes before the telemetry records decoded from it.
    run.on('capture', (captured) => {
      const c = redact ? { ...captured, data: redact(captured.data) } : captured
      const line = toCaptureLine(c)
      if (opts.json) printJsonLine(line)
      else process.stdout.write(describe(c) + '\n')
      raw?.write(JSON.stringify(line) + '\n')
    })
    egress?.follow(run)
    let sessionId = 0
    recordRun(
      run,
      store,
      { profile: opts.profile },
      (s) => {
        sessionId = s.id
        egress?.bind(store, s.id)
      },
      decoder,
      redact,
    )
    let records = 0
    decoder.on('record', (r) => {
      records++
      if (opts.json) printJsonLine(r)
      else process.stdout.write(`telemetry ${r.host ?? ''}${r.path ?? ''} ${JSON.stringify(r.fields)}\n`)
    })
    decoder.on('problem', (p) => log(`decode: ${p.note ? 'note: ' : ''}${p.stage}: ${p.message}`))
    logProcesses(run, backend, log)
    run.on('hooks', (h, pid) =>
      log(`pid ${pid}: hooked ${h.map((f) => `${f.fn}@${printable(f.module)}`).join(', ') || 'nothing yet'}`),
    )
    run.on('libraries', (libs, pid) => {
      const reached = libs.filter((l) => l.how !== 'unreachable')
      if (reached.length > 0)
        log(
          `pid ${pid}: TLS ${reached.map((l) => `${l.library} in ${printable(l.module)} (${l.how})`).join(', ')}`,
        )
      for (const l of libs.filter((x) => x.how === 'unreachable'))
        log(
          `warning: pid ${pid}: ${l.library} TLS in ${printable(l.module)} cannot be read: ${printable(l.detail)}`,
        )
    })
    run.on('unseen', (u) => log(`warning: ${printable(unseenMessage(u))}`))
    const stop = stopOnSignals(run)
    try {
      await run.start()
      log(`capturing from ${run.pids.length} process(es): ${run.pids.join(', ')}`)
      const timer = opts.duration ? setTimeout(stop, opts.duration * 1000) : undefined
      const end = await run.done
      clearTimeout(timer)
      log(
        `session ${sessionId} ${end.status}: ${end.reason} (${run.stats.captures} captures, ${run.stats.bytes} bytes, ${records} telemetry records)`,
      )
      if (end.status === 'failed') process.exitCode = 1
    } finally {
      stop.release()
    }
  } finally {
    if (egress) log(await egress.finish())
    await backend.close()
    store.close()
    if (raw) await new Promise((resolve) => raw.end(resolve))
  }
}

/** The attaches, detaches and warnings of a run, as every command that hooks an app logs them. */
export function logProcesses(run: CaptureRun, backend: FridaBackend, log: (s: string) => void): void {
  run.on('attach', (a) =>
    log(
      `attached to ${printable(a.name) || '?'} (pid ${a.pid}) with Frida ${backend.version} (${backend.kind} backend)`,
    ),
  )
  run.on('detach', (d) => log(`pid ${d.pid} detached (${d.reason})`))
  run.on('deviceLost', (l) =>
    log(
      `warning: pid ${l.pid} on ${run.opts.host} is lost (${l.why}); a gap begins, the capture waits for it`,
    ),
  )
  run.on('deviceBack', (b) =>
    log(`pid ${b.pid} on ${run.opts.host} is back after a ${(b.gapMs / 1000).toFixed(1)} s gap`),
  )
  run.on('warning', (w) => log(`warning: ${w}`))
}

/**
 * Ctrl-C, SIGTERM and a closed stdout (e.g. piped into head) stop the run instead of killing the command;
 * call the result to stop it too, and its release() once the run is over.
 */
export function stopOnSignals(run: CaptureRun): (() => void) & { release(): void } {
  const stop = () => void run.stop()
  process.stdout.on('error', stop)
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return Object.assign(stop, {
    release: () => {
      process.stdout.off('error', stop)
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    },
  })
}

/** What to attach to and for how long: the options every command that hooks an app shares. */
export function targetOptions(command: Command): Command {
  return command
    .option('--pid <n>', 'attach to this process id (repeat for several)', pidList)
    .option('--name <name>', 'attach to every process with this name')
    .option('--spawn <command>', 'start this command suspended, hook it, then let it run')
    .option(
      '--tree',
      'also attach to the processes below the target and to those it starts later (default for --name and --spawn)',
    )
    .option('--no-tree', 'attach only to the named or given processes')
    .addOption(hostOption())
    .addOption(backendOption())
    .option(
      '--duration <s>',
      'stop after this many seconds (default: until the target exits or Ctrl-C)',
      optionParser(positiveSeconds),
    )
}

export function registerCapture(program: Command): void {
  targetOptions(
    program
      .command('capture')
      .description(
        'hook a running or spawned app and log the plaintext it hands to TLS/encryption APIs, stored as a session. ' +
          'The session ends completed on --duration or Ctrl-C, interrupted ("target exited") when the app exits, ' +
          'failed when it crashes or Frida dies',
      ),
  )
    .option(
      '--device <name>',
      'attach through a registered device ("mutescope devices list"); through a portal, every joined process ' +
        'unless --pid or --name narrows it, followed across dropped links until the capture stops',
    )
    .option('--raw <file.jsonl>', 'also write the captures as JSON lines to this file')
    .option(
      '--redact [list]',
      `mask secrets in the captures stored, printed and written: the values of these comma-separated header ` +
        `names and "name=" parameters (default: ${defaultRedactions.join(',')})`,
      optionParser(parseRedactions),
    )
    .option(
      '--json',
      'print captures as JSON lines {t, conn, fn, module, dir, peer, data} and telemetry records as {t, host, path, conn, fields}',
    )
    .option(
      '--hooks <groups>',
      `comma-separated hook groups (default all: ${hookGroups.join(',')})`,
      optionParser(hookList),
    )
    .option('--cap <bytes>', 'bytes kept per call (default 1 MiB)', optionParser(positiveInt('--cap')))
    .option('--peer <text>', 'keep only captures whose peer address contains this')
    .option('--contains <text>', 'keep only captures whose bytes contain this text')
    .option(
      '--profile <name|path>',
      'telemetry profile for decoding: webex, generic, or a profile JSON file',
      'webex',
    )
    .option('--reattach', 'when the target exits, wait for it to start again and re-attach')
    .option(
      '--egress',
      "also record this computer's TCP packets and the target's TLS secrets, to prove later that each " +
        'telemetry record left the machine ("mutescope egress SESSION"); needs dumpcap or tcpdump, and tshark',
    )
    .action(action(capture))
}
