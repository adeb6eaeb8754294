import type { MicStatus } from '../../shared/contract/audio'
import { run } from './run'

/** macOS: BlackHole is both the device MuteScope plays into and the microphone the meeting app selects. */
export const BLACKHOLE_INSTALL =
  'install BlackHole: "brew install blackhole-2ch" (or the installer from https://existential.audio/blackhole/), ' +
  'then choose "BlackHole 2ch" as the microphone in the meeting app'

/** Device names are the headings under "Devices:" in `system_profiler SPAudioDataType`. */
export function parseMacDevices(stdout: string): MicStatus {
  const devices = [...stdout.matchAll(/^ {8}(\S[^\n]*):\s*$/gm)].map((m) => m[1].trim())
  const blackhole = devices.find((d) => /^BlackHole\b/i.test(d)) ?? null
  return {
    platform: 'darwin',
    backend: 'blackhole',
    ready: blackhole !== null,
    managed: false,
    outputDevice: blackhole,
    inputDevice: blackhole,
    source: blackhole,
    server: null,
    install: blackhole ? null : BLACKHOLE_INSTALL,
  }
}

export async function macStatus(): Promise<MicStatus> {
  const r = await run('system_profiler', ['SPAudioDataType'], 30_000)
  return parseMacDevices(r && r.code === 0 ? r.stdout : '')
}
