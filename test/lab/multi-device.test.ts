import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pulseRunMic } from '../../src/core/mic/pulse'
import { SessionStore } from '../../src/core/store/session-store'
import { startPulse } from '../mic/mic-lab'
import { repoRoot, runCli, tempDir } from '../support/helpers'
import { freePort, makeLab, startCli, type Background, type Lab } from './lab'

const demo = join(repoRoot, 'resources', 'demo', 'demo-episode.opus')
/** The demo's first four 15 s steps (−60, −33, −49, −26 dB): enough swing for r, and time for a cut. */
const durationS = 60

/**
 * A multi-device experiment for real: one playback of the stepped demo episode into the workbench's
 * microphone, heard by two refvcas: one on this computer, one on a lab machine (a network namespace joined to
 * the workbench's portal by `lab-agent` across a veth link). Namespaces separate only the network, so the lab's
 * refvca records the workbench's PulseAudio source through its socket: both machines hear the same speaker.
 */
describe('one experiment, two devices', () => {
  let lab: Lab | null = null
  let mic: Awaited<ReturnType<typeof pulseRunMic>> | null = null
  const started: Background[] = []
  const workbench = tempDir()
  let localPid = 0
  let labPid = 0

  beforeAll(async () => {
    startPulse()
    mic = await pulseRunMic(0)
    lab = makeLab('mdv')
    // This computer's refvca reports to a sink of its own process: the run follows the target's tree, and
    // a sink below it would be captured as part of the app.
    const ca = join(workbench, 'sink.pem')
    const sink = startCli(['sink', '--cert-out', ca], workbench)
    started.push(sink)
    const url = JSON.parse((await sink.seen(/^\{"event":"listening".*$/m))[0]).url as string
    const local = startCli(
      ['refvca', '--source', mic.source, '--interval', '5', '--sink', url, '--ca', ca, '--json'],
      tempDir(),
    )
    started.push(local)
    localPid = Number((await local.seen(/"event":"started".*?"pid":(\d+)/))[1])
    const cluster = `${lab.hostIp}:${await freePort(lab.hostIp)}`
    const control = `127.0.0.1:${await freePort('127.0.0.1')}`
    const portal = startCli(
      ['portal', 'serve', '--cluster', cluster, '--control', control, '--name', 'lab', '--json'],
      workbench,
    )
    started.push(portal)
    const token = JSON.parse((await portal.seen(/^\{"event":"listening".*$/m))[0]).token as string
    const labDir = tempDir()
    const remote = startCli(['refvca', '--source', mic.source, '--interval', '5', '--json'], labDir, lab.ns)
    started.push(remote)
    labPid = Number((await remote.seen(/"event":"started".*?"pid":(\d+)/))[1])
    const agent = startCli(
      ['lab-agent', '--portal', cluster, '--token', token, '--pid', String(labPid)],
      labDir,
      lab.ns,
    )
    started.push(agent)
    await agent.seen(new RegExp(`joined pid ${labPid} `))
  }, 120_000)

  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()))
    await mic?.remove()
    lab?.remove()
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(lab?.ns ?? '?')
  }, 60_000)

  it('records a series per device, r ≤ −0.9 for both, and a marked gap where the lab’s link was cut', async () => {
    const run = startCli(
      [
        'run',
        '--target',
        String(localPid),
        '--also',
        `lab:pid:${labPid}`,
        '--output-device',
        mic!.sink,
        '--episode',
        demo,
        '--interval',
        '5',
        '--duration',
        String(durationS),
        '--json',
      ],
      workbench,
    )
    started.push(run)
    await run.seen(/lab: clock offset [+−±][\d.]+ ± [\d.]+ ms \(8 round trips\)/)
    // Two of the lab's reports before the cut.
    await run.seen(/telemetry \S+ lab [^\n]*\n[\s\S]*telemetry \S+ lab /, 40_000)
    lab!.cut()
    const cutAt = Date.now()
    try {
      await run.seen(new RegExp(`lab: pid ${labPid} is lost`), 30_000)
      await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 10_000 - Date.now())))
    } finally {
      lab!.restore()
    }
    await run.seen(new RegExp(`lab: pid ${labPid} is back after`), 60_000)
    const backAt = Date.now()
    const timer = setTimeout(() => void run.stop(), (durationS + 60) * 1000)
    const code = await run.exited
    clearTimeout(timer)
    expect(code, run.stderr.slice(-3000)).toBe(0)
    const { sessionId, status } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      sessionId: number
      status: string
    }
    expect(status).toBe('completed')

    const store = SessionStore.open({ dir: workbench })
    try {
      const records = store.telemetry(sessionId)
      const of = (device: string) => records.filter((r) => r.device === device)
      expect(of('local').every((r) => r.target === `pid ${localPid}`)).toBe(true)
      expect(of('lab').every((r) => r.target === `pid ${labPid}`)).toBe(true)
      expect(of('local').length + of('lab').length).toBe(records.length)
      // The lab's series resumed: records sent after its link came back.
      expect(of('lab').some((r) => r.t < cutAt)).toBe(true)
      expect(of('lab').some((r) => r.t > backAt)).toBe(true)
      // One gap, marked with the device, around the cut.
      const events = store.events(sessionId)
      const lost = events.filter((e) => e.kind === 'device-lost')
      const back = events.filter((e) => e.kind === 'device-back')
      expect(lost).toHaveLength(1)
      expect(back).toHaveLength(1)
      expect(lost[0].detail).toMatchObject({ device: 'lab', target: `pid ${labPid}`, pid: labPid })
      const gap = back[0].detail as { device: string; since: number; gapMs: number }
      expect(gap.device).toBe('lab')
      expect(gap.since).toBeLessThanOrEqual(cutAt + 10_000)
      expect(gap.since + gap.gapMs).toBeGreaterThanOrEqual(cutAt + 10_000)
    } finally {
      store.close()
    }

    // Each device's clock, measured over the control channel at its start, shown with the session.
    const shown = runCli(['sessions', 'show', String(sessionId), '--json'], { dataDir: workbench })
    expect(shown.status, shown.stderr).toBe(0)
    const clocks = (JSON.parse(shown.stdout) as { clockOffsets: { device: string; samples: number }[] })
      .clockOffsets
    expect(clocks.map((c) => [c.device, c.samples]).sort()).toEqual([
      ['lab', 8],
      ['local', 1],
    ])

    // r per device: the gain falls as the played level rises, heard on both machines.
    const analysis = runCli(['correlate', String(sessionId), '--json'], { dataDir: workbench })
    expect(analysis.status, analysis.stderr).toBe(0)
    const { devices, deviceDifferences } = JSON.parse(analysis.stdout) as {
      devices: {
        device: string
        n: number
        pearson: Record<'min' | 'mean' | 'max', { r: number } | null>
        clock: { uncertaintyMs: number } | null
        gaps: { startT: number; endT: number | null }[]
      }[]
      deviceDifferences: { gain: string; z: number | null }[]
    }
    expect(devices.map((d) => d.device)).toEqual(['local', 'lab'])
    // The min gain, as LAeq, is set by the loudest part of each interval; the mean gain also averages the
    // AGC's recovery after a step down, which an interval straddling a step mixes in (r −0.93 to −0.99 here).
    for (const d of devices) {
      expect(d.n, JSON.stringify(d)).toBeGreaterThanOrEqual(6)
      expect(d.pearson.min?.r, JSON.stringify(d)).toBeLessThanOrEqual(-0.9)
      expect(d.pearson.mean?.r, JSON.stringify(d)).toBeLessThan(0)
    }
    expect(devices[1].gaps).toEqual([{ startT: expect.any(Number), endT: expect.any(Number) }])
    expect(devices[1].clock!.uncertaintyMs).toBeGreaterThanOrEqual(0)
    expect(deviceDifferences.map((x) => x.gain)).toEqual(['min', 'mean', 'max'])
    process.stderr.write(
      `multi-device: ${devices.map((d) => `${d.device} r min/mean/max = ${(['min', 'mean', 'max'] as const).map((g) => d.pearson[g]?.r.toFixed(3)).join('/')} (n = ${d.n})`).join(', ')}; ` +
        `clocks ${JSON.stringify(clocks)}\n`,
    )
  }, 240_000)
})
