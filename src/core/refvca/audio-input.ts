import { spawn, spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { decodeAudio } from '../audio/decode'
import { UserError } from '../errors'

/** PulseAudio sources as name and description (pactl ≥ 16 speaks JSON; older ones list names only). */
function pulseSources(): { name: string; description: string }[] {
  const json = spawnSync('pactl', ['-f', 'json', 'list', 'sources'], { encoding: 'utf8' })
  if (json.error)
    throw new UserError('pactl is not installed; install pulseaudio-utils (and start PulseAudio)')
  try {
    const list = JSON.parse(json.stdout) as { name: string; description: string }[]
    return list.map(({ name, description }) => ({ name, description }))
  } catch {
    const short = spawnSync('pactl', ['list', 'short', 'sources'], { encoding: 'utf8' })
    if (short.status !== 0)
      throw new UserError(
        `PulseAudio is not reachable (${short.stderr.trim()}); start it (scripts/pulseaudio.sh)`,
      )
    return short.stdout
      .split('\n')
      .map((l) => l.split('\t')[1])
      .filter(Boolean)
      .map((name) => ({ name, description: name }))
  }
}

/** How the microphone is read: PulseAudio's own client (parec), or ALSA through its pulse plugin (arecord). */
export const micApis = ['pulse', 'alsa'] as const
export type MicApi = (typeof micApis)[number]

/** The recorder for each API, mono float at `rate`; both are told the source (ALSA's plugin through libpulse's env). */
function recorder(
  api: MicApi,
  source: string,
  rate: number,
): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (api === 'pulse')
    return {
      cmd: 'parec',
      args: ['-d', source, '--format=float32le', `--rate=${rate}`, '--channels=1', '--latency-msec=50'],
      env: process.env,
    }
  return {
    cmd: 'arecord',
    args: arecordArgs('FLOAT_LE', rate, 1),
    env: { ...process.env, PULSE_SOURCE: source },
  }
}

/**
 * arecord's arguments for raw `format` audio through ALSA's pulse plugin from the source in PULSE_SOURCE, to
 * stdout (or a file appended after them); shared with the tests that make arecord read a microphone.
 */
export function arecordArgs(format: string, rate: number, channels: number): string[] {
  return [
    '-D',
    'pulse',
    '-q',
    '-t',
    'raw',
    '-f',
    format,
    '-r',
    String(rate),
    '-c',
    String(channels),
    '--buffer-time=100000',
  ]
}

/**
 * Mono float blocks from a live PulseAudio source (by name or description), read through `api` while it runs,
 * so that either audio-capture path of an app is exercised by real reads.
 */
export async function* micBlocks(
  source: string,
  api: MicApi,
  sampleRate: number,
  signal: AbortSignal,
): AsyncGenerator<Float32Array> {
  const sources = pulseSources()
  const device = sources.find((s) => s.name === source) ?? sources.find((s) => s.description === source)
  if (!device)
    throw new UserError(
      `no PulseAudio source "${source}"; use one of: ${sources.map((s) => s.name).join(', ') || '(none)'}`,
    )
  const rec = recorder(api, device.name, sampleRate)
  const proc = spawn(rec.cmd, rec.args, { stdio: ['ignore', 'pipe', 'pipe'], env: rec.env, signal })
  let stderr = ''
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => proc.on('close', resolve))
  proc.on('error', () => undefined) // an abort; a missing recorder shows as no output and the exit below
  let carry = Buffer.alloc(0)
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk
      const whole = bytes.length - (bytes.length % 4)
      carry = Buffer.from(bytes.subarray(whole))
      // Copied into a fresh, aligned buffer: Float32Array needs 4-byte alignment.
      yield new Float32Array(new Uint8Array(bytes.subarray(0, whole)).buffer)
    }
  } finally {
    proc.kill()
  }
  const code = await exited
  if (!signal.aborted)
    throw new UserError(
      `${rec.cmd} stopped (exit ${code}): ${stderr.trim() || 'no message'}; check the source "${source}"` +
        (api === 'alsa' ? " and that ALSA's pulse plugin is installed (libasound2-plugins)" : ''),
    )
}

/**
 * Mono float blocks of an audio file at the pace of a microphone: each 100 ms block is handed out when its
 * time has come. With `loop` the file starts over at its end, as a microphone never ends.
 */
export async function* realtimeFileBlocks(
  file: string,
  sampleRate: number,
  loop: boolean,
  signal: AbortSignal,
): AsyncGenerator<Float32Array> {
  const start = performance.now()
  let samples = 0
  do {
    const { blocks } = await decodeAudio(file, { sampleRate, blockSize: sampleRate / 10 })
    for await (const block of blocks) {
      if (signal.aborted) return
      // A block is "recorded" once its last sample has arrived.
      const due = start + ((samples + block.length) / sampleRate) * 1000
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined)
      if (signal.aborted) return
      samples += block.length
      yield block
    }
  } while (loop && !signal.aborted)
}
