import { reportHookError } from '../emit'
import type { AudioApiReport, AudioApisMessage } from '../protocol'
import { config } from '../state'
import { alsaHooks } from './alsa'
import { audioFamilies } from './apis'
import { coreaudioHooks } from './coreaudio'
import { audioListener, type FamilyHooks } from './hook'
import { pipewireHooks } from './pipewire'
import { portaudioHooks } from './portaudio'
import { pulseHooks } from './pulse'
import { startReporting } from './report'
import { hookWindowsAudio, resetWindowsAudio } from './windows'

/** Hooks the audio-capture APIs (one module per family) where a module exports them. */

const families: FamilyHooks[] = [pulseHooks, alsaHooks, pipewireHooks, portaudioHooks, coreaudioHooks]
const hooked = new Set<string>()

function isInside(address: NativePointer, module: Module): boolean {
  return address.compare(module.base) >= 0 && address.compare(module.base.add(module.size)) < 0
}

/** After Interceptor.detachAll(): nothing of ours is hooked; reporting runs when mic access is wanted. */
export function resetAudio(): void {
  hooked.clear()
  resetWindowsAudio()
  startReporting(config.micAccess === true)
  if (config.micAccess) for (const f of families) f.reattach?.()
}

/**
 * Hooks the audio APIs of `platform` (Frida's Process.platform; a test names another) that `module` exports,
 * when mic access is wanted; returns what it found there.
 */
export function hookAudio(module: Module, platform: string = Process.platform): AudioApiReport[] {
  if (!config.micAccess) return []
  const found: AudioApiReport[] = []
  for (const { family, hooks } of families) {
    // One look at the family's read calls first: most modules have none.
    const probes = audioFamilies
      .filter((f) => f.family === family && (f.os === undefined || f.os === platform))
      .map((f) => f.probe)
    if (!probes.some((fn) => module.findExportByName(fn) !== null)) continue
    const fns: string[] = []
    for (const hook of hooks) {
      try {
        const address = module.findExportByName(hook.fn)
        if (!address || !isInside(address, module) || hooked.has(address.toString())) continue
        Interceptor.attach(address, audioListener(family, hook, module))
        hooked.add(address.toString())
        fns.push(hook.fn)
      } catch (err) {
        reportHookError(hook.fn, module.name, err)
      }
    }
    if (fns.length > 0) found.push({ module: module.name, family, fns })
  }
  found.push(...hookWindowsAudio(module, reportAudio))
  return found
}

/** Tells the host which audio-capture APIs the process has (all at configure, then each late load). */
export function reportAudio(apis: AudioApiReport[]): void {
  const msg: AudioApisMessage = { type: 'audio-apis', apis }
  send(msg)
}
