import { agentSource } from '../capture/agent-source'
import { openBackend } from '../capture/select-backend'
import { UserError } from '../errors'
import { micSetup } from '../mic'
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
      return { device: mic.outputDevice, micSource: mic.inputDevice }
    },
    createPlayer() {
      throw new UserError('playback is not wired yet')
    },
    async startReference() {
      throw new UserError('refvca is not wired yet')
    },
    openBackend,
    agentSource,
  }
}
