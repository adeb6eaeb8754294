import { agentSource } from '../capture/agent-source'
import { openBackend } from '../capture/select-backend'
import { UserError } from '../errors'
import { micSetup } from '../mic'
import { Player } from '../playback/player'
import { startRefvcaProcess } from '../refvca/process'
import type { ExperimentParts } from './parts'

/** The experiment's real components: PulseAudio/VB-Cable/BlackHole, the player, refvca, Frida. */
export function realParts(): ExperimentParts {
  return {
    async prepareOutput(device) {
      if (device) return { device, micSource: null }
      const mic = await micSetup({ removeAtExit: true })
      if (!mic.ready || !mic.outputDevice) {
        throw new UserError(
          `no virtual microphone: ${mic.install ?? 'set one up with "mutescope mic setup"'}`,
          'mic_missing',
        )
      }
      return { device: mic.outputDevice, micSource: mic.source }
    },
    createPlayer: (opts) => new Player(opts),
    async startReference({ source, intervalS }) {
      if (!source) {
        throw new UserError(
          'refvca listens to MuteScope’s virtual microphone: leave the playback device empty (no --output-device)',
        )
      }
      return startRefvcaProcess({ input: { source }, intervalS })
    },
    openBackend,
    agentSource,
  }
}
