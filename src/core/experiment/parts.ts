import type { EventEmitter } from 'node:events'
import type { LevelSecond, LevelWindow } from '../../shared/model'
import type { BackendChoice, FridaBackend } from '../capture/backend'

export interface PlaybackProgress {
  episode: string
  index: number
  positionS: number
  durationS: number | null
}

export interface PlayerEvents {
  window: [LevelWindow]
  second: [LevelSecond]
  progress: [PlaybackProgress]
  /** The playlist finished (never with loop). */
  end: []
  error: [Error]
}

/** Real-time playback of the episodes into a device, measuring exactly what it sent. */
export interface PlayerLike extends EventEmitter<PlayerEvents> {
  start(): Promise<void>
  pause(): void
  resume(): void
  stop(): Promise<void>
}

/** A running reference app (refvca) reading the virtual microphone and sending Webex-shaped telemetry. */
export interface ReferenceApp {
  pid: number
  /** Resolves with a description when the process ends. */
  exited: Promise<string>
  stop(): Promise<void>
}

/** The real components an experiment drives; tests of the runner's bookkeeping may swap single parts. */
export interface ExperimentParts {
  /** The device to play into and, for MuteScope's own virtual microphone, the source apps record from. */
  prepareOutput(device: string | null): Promise<{ device: string; micSource: string | null }>
  createPlayer(opts: { episodes: string[]; device: string; loop: boolean; windowS: number }): PlayerLike
  startReference(opts: { source: string | null; intervalS: number }): Promise<ReferenceApp>
  openBackend(choice: BackendChoice): Promise<FridaBackend>
  agentSource(): string
}
