import type { BackendChoice, FridaBackend } from '../capture/backend'
import type { Player, PlayerOptions } from '../playback/player'
import type { RefvcaProcess } from '../refvca/process'

/** The real components an experiment drives, gathered so that the runner states what it depends on. */
export interface ExperimentParts {
  /** The device to play into and, for MuteScope's own virtual microphone, the source apps record from. */
  prepareOutput(device: string | null): Promise<{ device: string; micSource: string | null }>
  createPlayer(opts: PlayerOptions): Player
  /** refvca reading `source` (MuteScope's virtual microphone) and sending telemetry every interval. */
  startReference(opts: { source: string | null; intervalS: number }): Promise<RefvcaProcess>
  openBackend(choice: BackendChoice): Promise<FridaBackend>
  agentSource(): string
}
