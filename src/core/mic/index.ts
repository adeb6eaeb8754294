import { UserError } from '../errors'
import type { MicStatus } from '../../shared/contract/audio'
import { macStatus } from './macos'
import { pulseSetup, pulseStatus, pulseTeardown, pulseTeardownSync } from './pulse'
import { windowsStatus } from './windows'

/**
 * The virtual microphone MuteScope plays episodes into, per OS. Linux creates and removes its own (pactl);
 * Windows and macOS can only find an installed driver (VB-Audio Virtual Cable, BlackHole) and say how to
 * install one when it is missing.
 */
export async function micStatus(): Promise<MicStatus> {
  switch (process.platform) {
    case 'linux':
      return pulseStatus()
    case 'win32':
      return windowsStatus()
    case 'darwin':
      return macStatus()
    default:
      return {
        platform: process.platform,
        backend: 'none',
        ready: false,
        managed: false,
        outputDevice: null,
        inputDevice: null,
        source: null,
        server: null,
        install: `MuteScope has no virtual microphone support for ${process.platform}; use Linux, Windows or macOS`,
      }
  }
}

let exitHook = false

/**
 * Removes the microphone when the process ends: at 'exit', and on SIGINT/SIGTERM when nothing else handles
 * them (Node's default is to die without an 'exit' event). Where the program has its own handler (`run` and
 * `play` stop first), that handler ends the process normally and the 'exit' hook does the work. The signal
 * hook goes first among the listeners: a `once` handler after it would already be gone when it counts them.
 */
function removeAtExit(): void {
  if (exitHook) return
  exitHook = true
  process.once('exit', pulseTeardownSync)
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    pulseTeardownSync()
    process.kill(process.pid, signal)
  }
  process.prependListener('SIGINT', onSignal)
  process.prependListener('SIGTERM', onSignal)
}

/**
 * Makes the virtual microphone ready. With removeAtExit, a microphone this call created is removed when the
 * process ends (the app and `mutescope play`); `mutescope mic setup` leaves it for the meeting app to use.
 */
export async function micSetup(opts: { removeAtExit?: boolean } = {}): Promise<MicStatus> {
  if (process.platform === 'linux') {
    const created = await pulseSetup()
    if (created && opts.removeAtExit) removeAtExit()
    return pulseStatus()
  }
  const status = await micStatus()
  if (!status.ready) throw new UserError(`no virtual microphone found: ${status.install}`, 'mic_missing')
  return status
}

/** Removes a microphone MuteScope created; elsewhere there is nothing of ours to remove. */
export async function micTeardown(): Promise<{ removed: number; status: MicStatus }> {
  const removed = process.platform === 'linux' ? await pulseTeardown() : 0
  return { removed, status: await micStatus() }
}
