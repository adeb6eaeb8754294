import { agentSource } from '../capture/agent-source'
import { openBackend } from '../capture/select-backend'
import { UserError } from '../errors'
import { micSetup } from '../mic'
import { pulseRunMic } from '../mic/pulse'
import type { NodeLauncher } from '../node-launcher'
import { Player } from '../playback/player'
import { startRefvcaProcess } from '../refvca/process'
import { claimOutput } from './output-claim'
import type { ExperimentParts, PlaybackOutput } from './parts'

/**
 * The experiment's real components: PulseAudio/VB-Cable/BlackHole, the player, refvca, Frida. `dataDir` holds
 * the claims that keep two experiments from playing into one device; `launch` starts refvca (see NodeLauncher).
 */
export function realParts(dataDir: string, launch?: NodeLauncher): ExperimentParts {
  return {
    async prepareOutput({ device, reference, owner }): Promise<PlaybackOutput> {
      const claimed = (name: string, micSource: string | null): PlaybackOutput => ({
        device: name,
        micSource,
        release: claimOutput(dataDir, { ...owner, device: name }),
      })
      if (device) return claimed(device, null)
      // refvca listens wherever it is told, so on Linux each refvca run gets a microphone of its own.
      if (reference && process.platform === 'linux') {
        const mic = await pulseRunMic(owner.sessionId)
        return { device: mic.sink, micSource: mic.source, release: mic.remove }
      }
      const mic = await micSetup({ removeAtExit: true })
      if (!mic.ready || !mic.outputDevice) {
        throw new UserError(
          `no virtual microphone: ${mic.install ?? 'set one up with "mutescope mic setup"'}`,
          'mic_missing',
        )
      }
      return claimed(mic.outputDevice, mic.source)
    },
    createPlayer: (opts) => new Player(opts),
    async startReference({ source, intervalS, mode }) {
      if (!source) {
        throw new UserError(
          'refvca listens to MuteScope’s virtual microphone: leave the playback device empty (no --output-device)',
        )
      }
      return startRefvcaProcess({ input: { source }, intervalS, mode, launch })
    },
    openBackend,
    agentSource,
  }
}
