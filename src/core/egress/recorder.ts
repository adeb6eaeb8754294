import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync } from 'node:fs'
import { findOnPath } from '../capture/spawn-argv'
import { UserError } from '../errors'
import { permissionFix, quiet, type EgressTools } from './tools'

/** How long the recorder may take to open the interface, and to flush and exit once asked to stop. */
const startTimeoutMs = 15_000
const stopTimeoutMs = 10_000
/** Packets still in the kernel when the target's last write returned are given this long to be recorded. */
const drainMs = 500
/** The raw recording stops growing here (other traffic of the machine is recorded too, until filtered). */
export const maxRawBytes = 2 * 1024 ** 3

/**
 * Records every TCP packet on every interface (Linux "any") to a file while a capture runs, with dumpcap or
 * tcpdump. The raw file also holds the machine's other traffic; egress keeps only the session's streams.
 */
export class PacketRecorder {
  private stderr = ''
  private exit: Promise<number>
  private stopped = false

  private constructor(
    private readonly child: ChildProcess,
    private readonly tools: EgressTools,
    readonly file: string,
  ) {
    this.exit = new Promise((resolve) =>
      child.on('close', (code, signal) => resolve(code ?? (signal ? 0 : 1))),
    )
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (s: string) => (this.stderr = (this.stderr + s).slice(-8192)))
  }

  /** Starts recording to `file` and resolves once packets are being captured; UserError naming the fix if not. */
  static async start(tools: EgressTools, file: string): Promise<PacketRecorder> {
    if (process.platform !== 'linux')
      throw new UserError(
        'egress recording captures on the Linux "any" interface; it is not available on this OS',
      )
    const { kind, path } = tools.recorder
    const args =
      kind === 'dumpcap'
        ? ['-i', 'any', '-f', 'tcp', '-q', '-w', file, '-a', `filesize:${maxRawBytes / 1024}`]
        : // tcpdump drops to its own user after opening the device; the session folder is root's alone.
          [
            '-i',
            'any',
            '-U',
            // Without it, packets reach tcpdump a buffer timeout (1 s) late, and those still waiting at SIGINT are lost.
            '--immediate-mode',
            '-n',
            '-w',
            file,
            ...(process.getuid?.() === 0 ? ['-Z', 'root'] : []),
            // tcpdump has no size limit: a packet count stands for one.
            '-c',
            String(maxRawBytes / 512),
            'tcp',
          ]
    // Its own process group, so Ctrl-C ends the capture first and the recorder after the last packets; and,
    // through util-linux's setpriv where there is one, a SIGINT when MuteScope dies, so it never records on alone.
    const setpriv = findOnPath('setpriv')
    const [program, argv] = setpriv ? [setpriv, ['--pdeathsig', 'INT', '--', path, ...args]] : [path, args]
    const child = spawn(program, argv, { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
    const rec = new PacketRecorder(child, tools, file)
    await rec.ready()
    return rec
  }

  private ready(): Promise<void> {
    // dumpcap says "Capturing on" before it opens the device; "File:" comes once it did.
    const ready = this.tools.recorder.kind === 'dumpcap' ? /^File: /m : /listening on/
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer)
        this.child.stderr?.off('data', check)
        if (err) reject(err)
        else resolve()
      }
      const check = () => {
        if (ready.test(this.stderr)) done()
      }
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL')
        done(
          new UserError(
            `${this.tools.recorder.kind} did not start capturing within ${startTimeoutMs / 1000} s`,
          ),
        )
      }, startTimeoutMs)
      this.child.stderr?.on('data', check)
      this.child.once('error', (err) =>
        done(new UserError(`cannot run ${this.tools.recorder.path}: ${err.message}`)),
      )
      void this.exit.then(() => done(this.failure()))
    })
  }

  /** The recorder's own reason for failing, with the fix when it lacks the permission to capture. */
  private failure(): UserError {
    const { kind, path } = this.tools.recorder
    // The diagnosis, without the progress lines and the long how-to dumpcap appends to it.
    const lines = quiet(this.stderr)
      .split('\n')
      .filter((l) => l.trim() && !/^(Capturing on|File:|Packets)/.test(l))
    const why = lines.slice(0, 2).join(' ').trim() || 'it exited'
    if (/permission|not permitted|Operation not permitted/i.test(why))
      return new UserError(
        `${kind} may not capture packets (${why}): ${permissionFix(kind, path)}`,
        'egress_permission',
      )
    return new UserError(`${kind} exited: ${why}`)
  }

  /** Lets the last packets arrive, stops the recorder and makes its file private; a warning when it had stopped early. */
  async stop(): Promise<string | null> {
    if (this.stopped) return null
    this.stopped = true
    const early = this.child.exitCode !== null || this.child.signalCode !== null
    if (!early) {
      await new Promise((r) => setTimeout(r, drainMs))
      this.child.kill('SIGINT')
      const timer = setTimeout(() => this.child.kill('SIGKILL'), stopTimeoutMs)
      await this.exit
      clearTimeout(timer)
    }
    if (existsSync(this.file)) chmodSync(this.file, 0o600)
    return early
      ? `${this.tools.recorder.kind} stopped before the capture ended: ${this.failure().message}`
      : null
  }
}
