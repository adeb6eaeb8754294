import type { RefvcaMode } from '../../shared/contract/experiment'
import type { LabPlayback } from '../../shared/contract/lab-link'
import type { ClockOffset } from '../../shared/model'
import type { BackendChoice, FridaBackend } from '../capture/backend'
import type { Player, PlayerOptions } from '../playback/player'
import type { RefvcaProcess } from '../refvca/process'

/** Where a run plays its episodes, held for that run alone until release(). */
export interface PlaybackOutput {
  device: string
  /** For a microphone MuteScope made, the source apps record from; null for a device the user named. */
  micSource: string | null
  /** Removes a microphone made for the run, or lifts the run's claim on a shared device. */
  release(): Promise<void> | void
}

export interface OutputRequest {
  /** A device the user named; null for MuteScope's virtual microphone. */
  device: string | null
  /** A lab machine's virtual microphone, reached through a portal device; null for this computer. */
  playback: LabPlayback | null
  /** The target is refvca, which can listen to a microphone of the run's own. */
  reference: boolean
  /** Named to whoever finds the device taken. */
  owner: { sessionId: number; session: string }
  /** Told the lab machine's clock offset (as device "PORTAL:MACHINE") each time playback starts there. */
  onClock?: (clock: ClockOffset) => void
}

/** The real components an experiment drives, gathered so that the runner states what it depends on. */
export interface ExperimentParts {
  /** The device to play into, which no other experiment plays into while the run holds it. */
  prepareOutput(request: OutputRequest): Promise<PlaybackOutput>
  createPlayer(opts: PlayerOptions): Player
  /** refvca reading `source` (MuteScope's virtual microphone) and sending telemetry every interval. */
  startReference(opts: {
    source: string | null
    intervalS: number
    mode?: RefvcaMode
  }): Promise<RefvcaProcess>
  openBackend(choice: BackendChoice): Promise<FridaBackend>
  agentSource(): string
}
