import type { AudioApiReport } from '../protocol'
import { hookWasapi, resetWasapi } from './wasapi'
import { hookWaveIn, resetWaveIn } from './wavein'

/** The Windows audio-capture APIs (WASAPI, waveIn), on Windows and in Wine processes alike. */
export function hookWindowsAudio(module: Module, report: (apis: AudioApiReport[]) => void): AudioApiReport[] {
  return [...hookWasapi(module, report), ...hookWaveIn(module)]
}

export function resetWindowsAudio(): void {
  resetWasapi()
  resetWaveIn()
}
