import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../support/helpers'
import { stopChild } from './mic-lab'

/**
 * A PipeWire daemon of the test's own beside the lab's PulseAudio, which it leaves alone: its own runtime
 * directory (PIPEWIRE_RUNTIME_DIR), no pipewire-pulse, and one source, a tunnel that reads the lab's
 * microphone from PulseAudio as a client. With no session manager, the test does a session manager's work
 * for the app it watches: gives the app's stream its ports and links the tunnel to them.
 */

/** The tunnel's node: mono at 48 kHz, as the lab's microphone plays. */
const tunnel = 'mutescope-mic'
const dsp = (direction: 'Input' | 'Output') =>
  JSON.stringify({
    direction,
    mode: 'dsp',
    format: {
      mediaType: 'audio',
      mediaSubtype: 'raw',
      format: 'F32P',
      rate: 48000,
      channels: 1,
      position: ['MONO'],
    },
  })

interface PwObject {
  id: number
  type: string
  info?: { props?: Record<string, string | number | boolean> }
}

export async function startPipewire(source: string) {
  const dir = tempDir('mutescope-pipewire-')
  const runtime = join(dir, 'run')
  mkdirSync(runtime)
  const server = /^Server String: (.+)$/m.exec(execFileSync('pactl', ['info'], { encoding: 'utf8' }))?.[1]
  if (!server) throw new Error('pactl info names no PulseAudio server')
  const conf = join(dir, 'pipewire.conf')
  writeFileSync(
    conf,
    `context.properties = { core.daemon = true, core.name = pipewire-0, default.clock.rate = 48000 }
context.spa-libs = { audio.convert.* = audioconvert/libspa-audioconvert, support.* = support/libspa-support }
context.modules = [
  { name = libpipewire-module-protocol-native }
  { name = libpipewire-module-access }
  { name = libpipewire-module-spa-node-factory }
  { name = libpipewire-module-client-node }
  { name = libpipewire-module-adapter }
  { name = libpipewire-module-link-factory }
  { name = libpipewire-module-pulse-tunnel
    args = {
      tunnel.mode = source
      pulse.server.address = "${server.startsWith('/') ? `unix:${server}` : server}"
      target.object = "${source}"
      audio.rate = 48000
      audio.channels = 1
      audio.position = [ MONO ]
      stream.props = { node.name = "${tunnel}" }
    }
  }
]
context.objects = [
  { factory = spa-node-factory
    args = { factory.name = support.node.driver, node.name = Dummy-Driver, priority.driver = 20000 } }
]
`,
  )
  const env = { ...process.env, PIPEWIRE_RUNTIME_DIR: runtime }
  const daemon = spawn('pipewire', ['-c', conf], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  daemon.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)))

  /** The daemon's objects now (pw-dump, bounded). */
  const objects = (): PwObject[] => {
    try {
      return JSON.parse(execFileSync('pw-dump', { env, encoding: 'utf8', timeout: 10_000 })) as PwObject[]
    } catch {
      return []
    }
  }
  const node = (pick: (props: Record<string, unknown>) => boolean) =>
    objects().find((o) => o.type === 'PipeWire:Interface:Node' && pick(o.info?.props ?? {}))
  const pw = (cmd: string, ...args: string[]) =>
    execFileSync(cmd, args, { env, timeout: 10_000, stdio: 'pipe' })

  /** Resolves with what `find` finds, asked every 200 ms; rejects after a minute with the daemon's log. */
  async function until<T>(what: string, find: () => T | undefined): Promise<T> {
    for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      const found = find()
      if (found !== undefined) return found
    }
    throw new Error(`PipeWire: no ${what} within 60 s: ${log}`)
  }

  try {
    const mic = await until('tunnel to PulseAudio', () => node((p) => p['node.name'] === tunnel))
    pw('pw-cli', 'set-param', String(mic.id), 'PortConfig', dsp('Output'))
  } catch (err) {
    await stopChild(daemon)
    throw err
  }
  return {
    /** Whatever reaches this daemon: PIPEWIRE_RUNTIME_DIR. */
    env: { PIPEWIRE_RUNTIME_DIR: runtime },
    /**
     * Links the microphone to the capture stream whose media.name is `name` (pw-record's: its file), once it
     * appears; resolves with the app's pid.
     */
    async connect(name: string): Promise<number> {
      const app = await until(`stream ${name}`, () => node((p) => p['media.name'] === name))
      pw('pw-cli', 'set-param', String(app.id), 'PortConfig', dsp('Input'))
      const appNode = String(app.info!.props!['node.name'])
      await until(`ports of ${appNode}`, () => {
        try {
          pw('pw-link', `${tunnel}:capture_MONO`, `${appNode}:input_MONO`)
          return true
        } catch {
          return undefined
        }
      })
      const client = objects().find((o) => o.id === app.info!.props!['client.id'])
      const pid = Number(client?.info?.props?.['application.process.id'])
      if (!Number.isInteger(pid)) throw new Error(`PipeWire names no process for ${appNode}`)
      return pid
    },
    stop: () => stopChild(daemon),
  }
}
