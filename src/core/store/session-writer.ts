import type {
  Capture,
  LevelSecond,
  LevelWindow,
  MicAccessSecond,
  SessionEvent,
  TelemetryRecord,
} from '../../shared/model'
import type { SessionStore } from './session-store'

/**
 * Buffers a live session's rows and commits them together in one transaction every `flushMs`
 * (or sooner when `maxRows` pile up), so a fast capture stream costs one fsync per batch, not per row.
 * With `flushMs` null only flush() and `maxRows` commit (an import decides its own batches).
 */
export class SessionWriter {
  private telemetry: TelemetryRecord[] = []
  private captures: Capture[] = []
  private windows: LevelWindow[] = []
  private seconds: LevelSecond[] = []
  private micAccess: MicAccessSecond[] = []
  private events: SessionEvent[] = []
  private timer: NodeJS.Timeout | undefined
  private pending = 0

  constructor(
    private readonly store: SessionStore,
    readonly sessionId: number,
    private readonly flushMs: number | null = 250,
    private readonly maxRows = 2000,
  ) {}

  addTelemetry(r: TelemetryRecord): void {
    this.telemetry.push(r)
    this.bump()
  }
  addCapture(c: Capture): void {
    this.captures.push(c)
    this.bump()
  }
  addLevelWindow(w: LevelWindow): void {
    this.windows.push(w)
    this.bump()
  }
  addLevelSecond(s: LevelSecond): void {
    this.seconds.push(s)
    this.bump()
  }
  addMicAccess(row: MicAccessSecond): void {
    this.micAccess.push(row)
    this.bump()
  }
  addEvent(kind: SessionEvent['kind'], detail: unknown = null, t = Date.now()): void {
    this.events.push({ t, kind, detail })
    this.bump()
  }

  /** Commits everything buffered in one transaction. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.pending === 0) return
    const [telemetry, captures, windows, seconds, micAccess, events] = [
      this.telemetry,
      this.captures,
      this.windows,
      this.seconds,
      this.micAccess,
      this.events,
    ]
    this.telemetry = []
    this.captures = []
    this.windows = []
    this.seconds = []
    this.micAccess = []
    this.events = []
    this.pending = 0
    this.store.db.transaction(() => {
      this.store.appendTelemetry(this.sessionId, telemetry)
      this.store.appendCaptures(this.sessionId, captures)
      this.store.appendLevelWindows(this.sessionId, windows)
      this.store.appendLevelSeconds(this.sessionId, seconds)
      this.store.appendMicAccess(this.sessionId, micAccess)
      this.store.appendEvents(this.sessionId, events)
    })()
  }

  private bump(): void {
    this.pending++
    if (this.pending >= this.maxRows) this.flush()
    else if (!this.timer && this.flushMs !== null) this.timer = setTimeout(() => this.flush(), this.flushMs)
  }
}
