import type { MicStatus } from '../../shared/contract/audio'
import { run } from './run'

/**
 * Windows: MuteScope cannot create audio devices, so it looks for VB-Audio Virtual Cable, whose playback end
 * "CABLE Input" is what MuteScope plays into and whose recording end "CABLE Output" the meeting app uses.
 */
export const VB_CABLE_INSTALL =
  'install VB-Audio Virtual Cable: download it from https://vb-audio.com/Cable/, unzip, run ' +
  'VBCABLE_Setup_x64.exe as administrator, press "Install Driver" and restart Windows; then choose ' +
  '"CABLE Output (VB-Audio Virtual Cable)" as the microphone in the meeting app'

/** Lists audio endpoint names, one a line ("CABLE Input (VB-Audio Virtual Cable)", "Speakers (Realtek...)"). */
export const ENDPOINTS_COMMAND = [
  'powershell.exe',
  '-NoProfile',
  '-NonInteractive',
  '-Command',
  'Get-CimInstance Win32_PnPEntity -Filter "PNPClass=\'AudioEndpoint\'" | ForEach-Object { $_.Name }',
]

export function parseWindowsEndpoints(stdout: string): MicStatus {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim())
  const input = lines.find((l) => /^CABLE Input\b/i.test(l)) ?? null
  const output = lines.find((l) => /^CABLE Output\b/i.test(l)) ?? null
  const ready = input !== null && output !== null
  return {
    platform: 'win32',
    backend: 'vb-cable',
    ready,
    managed: false,
    outputDevice: input,
    inputDevice: output,
    source: output,
    server: null,
    install: ready ? null : VB_CABLE_INSTALL,
  }
}

export async function windowsStatus(): Promise<MicStatus> {
  const [cmd, ...args] = ENDPOINTS_COMMAND
  const r = await run(cmd, args, 20_000)
  return parseWindowsEndpoints(r && r.code === 0 ? r.stdout : '')
}
