import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Target } from '../capture/backend'
import type { CaptureRun } from '../capture/capture-run'
import { errorMessage, UserError } from '../errors'
import { JobRunner } from '../jobs/runner'
import type { SessionStore } from '../store/session-store'
import { newEgressFolder, saveEgress, type EgressStatus } from './egress-store'
import { PacketRecorder } from './recorder'
import { appendAgentSecret, appKeylog, createPrivateFile, withKeylog } from './secrets'
import { findEgressTools, type EgressTools } from './tools'
import { rawFile, settleRecording } from './settle'

/**
 * The egress side of one capture: records the machine's TCP packets and the target's TLS secrets while the
 * capture runs, then keeps only the streams to the peers its captures name. Recording problems (no dumpcap or
 * tshark, no permission) never stop the capture: the session's egress is then "unavailable", with the reason.
 */
export class EgressRun {
  private sessionId: number | null = null
  private store: SessionStore | null = null

  private constructor(
    readonly folder: string,
    private readonly tools: EgressTools | null,
    private readonly recorder: PacketRecorder | null,
    /** Why no packets are recorded (shown as a warning), or null. */
    readonly unavailable: string | null,
  ) {}

  /** Starts recording before the target runs; never throws for a missing tool or permission (see `unavailable`). */
  static async start(dataDir: string, host: string | null): Promise<EgressRun> {
    if (host)
      throw new UserError(
        `--egress records this computer's packets, not those of ${host}: capture on this computer, or drop --egress`,
      )
    const folder = newEgressFolder(dataDir)
    createPrivateFile(join(folder, appKeylog))
    let tools: EgressTools | null = null
    try {
      tools = findEgressTools()
      return new EgressRun(folder, tools, await PacketRecorder.start(tools, join(folder, rawFile)), null)
    } catch (err) {
      if (!(err instanceof UserError)) throw err
      return new EgressRun(folder, tools, null, err.message)
    }
  }

  /** The target to open: a spawned one is told where to write its TLS secrets (unless nothing is recorded). */
  target(t: Target): Target {
    return 'spawn' in t && this.recorder ? withKeylog(t, join(this.folder, appKeylog)) : t
  }

  /** Keeps the secrets the agent reports from inside the TLS libraries (unless nothing is recorded). */
  follow(run: CaptureRun): void {
    if (this.recorder) run.on('keylog', (line) => void appendAgentSecret(this.folder, line))
  }

  /** The session now exists: its egress row names the folder. */
  bind(store: SessionStore, sessionId: number): void {
    this.store = store
    this.sessionId = sessionId
    const status: EgressStatus = this.recorder ? 'recording' : 'unavailable'
    saveEgress(store, { sessionId, folder: this.folder, status, reason: this.unavailable })
  }

  /**
   * Stops recording, keeps the session's streams (settle.ts) and proves its records. Returns what to tell
   * the user; the folder is removed when no session was ever created.
   */
  async finish(): Promise<string> {
    const warning = await this.recorder?.stop()
    if (this.sessionId === null || !this.store) {
      rmSync(this.folder, { recursive: true, force: true })
      return 'egress: nothing recorded (no session)'
    }
    if (!this.recorder || !this.tools) return `egress: unavailable: ${this.unavailable}`
    const settled = await settleRecording(
      this.store,
      this.sessionId,
      this.folder,
      this.tools.tshark,
      warning ?? null,
    )
    if ('unavailable' in settled) return `egress: unavailable: ${settled.unavailable}`
    const recorded = `egress: recorded the streams to ${settled.peers} peer(s)${warning ? ` (${warning})` : ''}`
    // On a worker thread: the experiment runner that awaits this serves the window too.
    const report = await new JobRunner()
      .run('analyzeEgress', { db: this.store.path, sessionId: this.sessionId })
      .catch((e: unknown) => errorMessage(e))
    return typeof report === 'string'
      ? `${recorded}; the proof failed: ${report}`
      : `${recorded}; ${report.proven} of ${report.records} telemetry records proven on the wire ` +
          `(details: mutescope egress ${this.sessionId})`
  }
}
