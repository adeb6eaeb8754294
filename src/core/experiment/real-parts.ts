import { agentSource } from '../capture/agent-source'
import { openBackend } from '../capture/select-backend'
import { UserError } from '../errors'
import { micSetup } from '../mic'
import { pulseRunMic } from '../mic/pulse'
import type { NodeLauncher } from '../node-launcher'
import { Player, type PlayerOptions } from '../playback/player'
import { labPlaybackOutput } from '../playback/remote-output'
import { startRefvcaProcess } from '../refvca/process'
import { claimOutput } from './output-claim'
import type { ExperimentParts, PlaybackOutput } from './parts'

/**
 * The experiment's real components: PulseAudio/VB-Cable/BlackHole, the player, refvca, Frida. `dataDir` holds
 * the claims that keep two experiments from playing into one device; `launch` starts refvca (see NodeLauncher).
 */
export function realParts(dataDir: string, launch?: NodeLauncher): ExperimentParts {
  /** Lab machines' outputs by the name the runner passes the player: how it starts each. */
  const remotes = new Map<string, NonNullable<PlayerOptions['open']>>()
  return {
    async prepareOutput({ device, playback, reference, owner, onClock }): Promise<PlaybackOutput> {
      if (playback) {
        if (device)
          throw new UserError('play on this computer (an output device) or on a lab machine, not both')
        // No claim: the portal lets one stream at a time play on a lab machine, and refuses a second.
        const remote = labPlaybackOutput(dataDir, playback, (o) =>
          onClock?.({ device: `${playback.device}:${playback.machine}`, ...o, measuredAt: Date.now() }),
        )
        remotes.set(remote.label, remote.open)
        return { device: remote.label, micSource: null, release: () => void remotes.delete(remote.label) }
      }
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
    createPlayer: (opts) => new Player({ ...opts, open: remotes.get(opts.device) }),
    async startReference({ source, intervalS, mode }) {
      if (!source) {
        throw new UserError(
          'refvca listens to MuteScope’s virtual microphone here: leave the playback device empty (no ' +
            '--output-device, no --play-on)',
        )
      }
      return startRefvcaProcess({ input: { source }, intervalS, mode, launch })
    },
    openBackend,
    agentSource,
  }
}
