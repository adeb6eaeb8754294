import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pearson } from '../../src/core/analysis/stats'
import { putDevice, readDevices } from '../../src/core/devices/registry'
import type { ClockOffset } from '../../src/shared/model'
import { steppedNoise, stopChild } from '../mic/mic-lab'
import { runCli, tempDir } from '../support/helpers'
import { labAgentArgs, makeLab, startCli, startLinkedPortal, type Background, type Lab } from './lab'

/**
 * A lab machine's microphone, played from the workbench for real: a network namespace with a PulseAudio of
 * its own, `mutescope lab-agent` there offering its virtual microphone over the lab link (TLS WebSocket) of a
 * real `portal serve`, and `mutescope play --play-on` on the workbench streaming stepped noise to it. A
 * recorder in the namespace hears it; its levels must follow those the workbench computed.
 */
describe("a lab machine's microphone, played from the workbench over the lab link", () => {
  let lab: Lab | null = null
  let pulse: LabPulse | null = null
  const started: Background[] = []
  const workbench = tempDir()
  const labDir = tempDir()
  let agent: Background
  let portal: Background
  let control = ''
  let labLink = ''
  let certFile = ''

  beforeAll(async () => {
    lab = makeLab('mic')
    pulse = startLabPulse(lab.ns)
    const linked = await startLinkedPortal(lab.hostIp, workbench, labDir)
    ;({ portal, control, labLink, certFile } = linked)
    started.push(portal)
    agent = startCli(labAgentArgs(linked, 'lab1'), labDir, lab.ns, { PULSE_SERVER: pulse.server })
    started.push(agent)
    await agent.seen(/offers its microphone \(sink mutescope_sink\) as "lab1"/)
    await portal.seen(/"event":"lab-joined","machine":"lab1"/)
  }, 120_000)

  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()))
    pulse?.stop()
    lab?.remove()
  }, 60_000)

  it("devices list shows the lab machine's microphone at the portal", () => {
    const r = runCli(['devices', 'list', '--json'], { dataDir: workbench })
    expect(r.status, r.stderr).toBe(0)
    const portalDevice = (JSON.parse(r.stdout) as { name: string; status: unknown }[]).find(
      (d) => d.name === 'lab',
    )
    expect(portalDevice?.status).toMatchObject({
      reachable: true,
      error: null,
      machines: [{ machine: 'lab1', mic: { sink: 'mutescope_sink', source: 'mutescope_mic' }, busy: false }],
    })
  })

  it('a recorder on the lab machine hears what the workbench streamed, at the levels measured there', async () => {
    const steps = steppedNoise(join(labDir, 'steps.wav'), [0.03, 0.3, 0.08, 0.6, 0.02, 0.15], 3)
    const recorder = record(lab!.ns, pulse!.server, 'mutescope_mic')
    try {
      await recorder.ready
      const play = startCli(['play', steps, '--play-on', 'lab:lab1', '--window', '1', '--json'], workbench)
      started.push(play)
      expect(await bounded(play.exited, 90_000, 'play to end'), play.stderr).toBe(0)
      const events = play.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
      // Both ends read the same clock here: the true offset, 0, must lie within the measured bounds.
      const offset = events.find((e) => e.event === 'clock-offset')
      expect(offset.samples).toBe(5)
      expect(Math.abs(offset.offsetMs)).toBeLessThanOrEqual(offset.uncertaintyMs + 1)
      const windows = events.filter((e) => e.event === 'window' && e.leq !== null)
      expect(windows.length).toBeGreaterThanOrEqual(15)
      await new Promise((r) => setTimeout(r, 500)) // the recorder's last buffer
      const pairs = windows
        .map((w) => [w.leq as number, recorder.levelDb(w.startT, w.endT)] as const)
        .filter((p): p is readonly [number, number] => p[1] !== null)
      const fit = pearson(
        pairs.map((p) => p[0]),
        pairs.map((p) => p[1]),
      )
      console.log(
        `lab playback: ${pairs.length} one-second windows, r = ${fit.r?.toFixed(3)}, clock offset ` +
          `${offset.offsetMs.toFixed(1)} ± ${offset.uncertaintyMs.toFixed(1)} ms`,
      )
      expect(pairs.length).toBeGreaterThanOrEqual(12)
      // The steps span 30 dB: a recorder hearing silence or noise of its own would not follow them.
      expect(fit.r).toBeGreaterThanOrEqual(0.9)
      expect(agent.stderr).toContain("playing the workbench's stream (48000 Hz) into mutescope_sink")
    } finally {
      await recorder.stop()
    }
  }, 120_000)

  it('an experiment plays on the lab machine (run --play-on), its levels measured on the workbench', async () => {
    const app = spawn('sleep', ['300'], { stdio: 'ignore' })
    const plays = () => agent.stderr.split("playing the workbench's stream").length
    const before = plays()
    try {
      const episode = steppedNoise(join(labDir, 'run.wav'), [0.05, 0.4], 2)
      const run = startCli(
        [
          'run',
          '--target',
          String(app.pid),
          '--episode',
          episode,
          '--play-on',
          'lab:lab1',
          '--interval',
          '1',
          '--json',
        ],
        workbench,
      )
      started.push(run)
      expect(await bounded(run.exited, 90_000, 'the run to end'), run.stderr).toBe(0)
      expect(run.stderr).toContain('playing into "lab1" through device "lab" (portal at')
      const end = JSON.parse(run.stdout.trim().split('\n').pop()!)
      expect(end).toMatchObject({ status: 'completed' })
      expect(end.windows).toBeGreaterThanOrEqual(3)
      expect(plays()).toBe(before + 1)
      // The lab machine's clock is logged and stored with the session, as a target's is (one clock here: 0).
      expect(run.stderr).toMatch(/playing on lab1 via lab: clock offset [+−±][\d.]+ ± [\d.]+ ms/)
      const shown = runCli(['sessions', 'show', String(end.sessionId), '--json'], { dataDir: workbench })
      expect(shown.status, shown.stderr).toBe(0)
      const clocks = (JSON.parse(shown.stdout) as { clockOffsets?: ClockOffset[] }).clockOffsets ?? []
      const machine = clocks.find((c) => c.device === 'lab:lab1')
      expect(machine).toMatchObject({ samples: 5, measuredAt: expect.any(Number) })
      expect(Math.abs(machine!.offsetMs)).toBeLessThanOrEqual(machine!.uncertaintyMs + 1)
    } finally {
      app.kill()
    }
  }, 120_000)

  it('a wrong token is refused at both ends, naming the device', async () => {
    const real = readDevices(workbench).find((d) => d.name === 'lab')!
    putDevice(workbench, { ...real, name: 'impostor', token: 'not-the-token' })
    const tone = steppedNoise(join(labDir, 'short.wav'), [0.1], 1)
    const r = runCli(['play', tone, '--play-on', 'impostor:lab1'], { dataDir: workbench, timeoutMs: 60_000 })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(
      `device "impostor" (portal at ${control}, lab link at ${labLink}) refused the token`,
    )
    expect(r.stderr).not.toMatch(/at .*\.cjs:\d+/)
    const impostor = startCli(
      [
        'lab-agent',
        '--portal',
        `${lab!.hostIp}:1`,
        '--lab',
        labLink,
        '--token',
        'nope',
        '--lab-cert',
        certFile,
      ],
      tempDir(),
      lab!.ns,
      { PULSE_SERVER: pulse!.server },
    )
    started.push(impostor)
    expect(await bounded(impostor.exited, 60_000, 'the refused agent to exit')).toBe(1)
    expect(impostor.stderr).toContain(`the workbench's lab link at ${labLink} refused the token`)
    await portal.seen(/"event":"lab-refused"/)
  }, 90_000)

  it('a cut link is noticed at both ends, and the lab machine offers its microphone again once it is back', async () => {
    lab!.cut()
    try {
      await portal.seen(/"event":"lab-left","machine":"lab1"/, 30_000)
      await agent.seen(/lab link down/, 30_000)
    } finally {
      lab!.restore()
    }
    await portal.seen(
      /"event":"lab-joined","machine":"lab1"[\s\S]*"event":"lab-joined","machine":"lab1"/,
      60_000,
    )
    const tone = steppedNoise(join(labDir, 'again.wav'), [0.1], 2)
    const again = runCli(['play', tone, '--play-on', 'lab:lab1', '--window', '1', '--json'], {
      dataDir: workbench,
      timeoutMs: 60_000,
    })
    expect(again.status, again.stderr).toBe(0)
    expect(again.stdout).toContain('"event":"window"')
  }, 150_000)
})

interface LabPulse {
  /** PULSE_SERVER for clients in the namespace. */
  server: string
  stop(): void
}

/** A PulseAudio of the lab machine's own, in its namespace, with its own runtime folder and socket. */
function startLabPulse(ns: string): LabPulse {
  const dir = tempDir('mutescope-lab-pulse-')
  const env = [`PULSE_RUNTIME_PATH=${dir}`, `PULSE_STATE_PATH=${dir}`]
  const root = process.getuid?.() === 0 ? ['--disallow-exit'] : []
  const args = ['--daemonize=yes', '--exit-idle-time=-1', '--system=false', '-n', ...root]
  const r = spawnSync(
    'ip',
    ['netns', 'exec', ns, 'env', ...env, 'pulseaudio', ...args, '--load=module-native-protocol-unix'],
    { encoding: 'utf8', timeout: 20_000 },
  )
  if (r.status !== 0) throw new Error(`the lab's PulseAudio did not start: ${r.stderr}`)
  const server = `unix:${join(dir, 'native')}`
  const stop = () => {
    try {
      process.kill(Number(readFileSync(join(dir, 'pid'), 'utf8').trim()))
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true })
  }
  for (let i = 0; i < 100; i++) {
    const info = spawnSync('pactl', ['info'], {
      env: { ...process.env, PULSE_SERVER: server },
      timeout: 5000,
    })
    if (info.status === 0) return { server, stop }
    spawnSync('sleep', ['0.1'])
  }
  stop()
  throw new Error("the lab's PulseAudio did not answer within 10 s")
}

/**
 * parec on the lab machine's microphone: every sample kept with the wall-clock time it was read at, so the
 * level of any span of the workbench's clock can be asked for.
 */
function record(ns: string, server: string, source: string) {
  const child = spawn('ip', [
    'netns',
    'exec',
    ns,
    'env',
    `PULSE_SERVER=${server}`,
    'parec',
    `--device=${source}`,
    '--format=float32le',
    '--rate=48000',
    '--channels=1',
    '--raw',
    '--latency-msec=20',
  ]) as ChildProcessWithoutNullStreams
  const rate = 48_000
  const chunks: { endT: number; samples: Float32Array }[] = []
  let rest = Buffer.alloc(0)
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve())
    child.once('exit', () => reject(new Error(`parec ended: ${stderr}`)))
    setTimeout(() => reject(new Error(`parec read nothing within 20 s: ${stderr}`)), 20_000)
  })
  child.stdout.on('data', (d: Buffer) => {
    const all = Buffer.concat([rest, d])
    const whole = all.length - (all.length % 4)
    rest = all.subarray(whole)
    const samples = new Float32Array(all.buffer.slice(all.byteOffset, all.byteOffset + whole))
    chunks.push({ endT: Date.now(), samples })
  })
  return {
    ready,
    stop: () => stopChild(child),
    /** RMS level (dBFS) of what was recorded between two wall-clock times; null when under half of it was. */
    levelDb(startT: number, endT: number): number | null {
      let sum = 0
      let n = 0
      for (const c of chunks) {
        const first = c.endT - (c.samples.length / rate) * 1000
        if (c.endT < startT || first > endT) continue
        c.samples.forEach((v, i) => {
          const t = first + (i / rate) * 1000
          if (t >= startT && t < endT) {
            sum += v * v
            n++
          }
        })
      }
      if (n < ((endT - startT) / 1000) * rate * 0.5 || sum === 0) return null
      return 10 * Math.log10(sum / n)
    },
  }
}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms / 1000} s`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer))
}
