import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/core/store/session-store'
import { startCapture } from '../capture/tls-lab'
import { steppedNoise } from '../mic/mic-lab'
import { runCli, tempDir } from '../support/helpers'
import { freePort, makeLab, startCli, type Background, type Lab } from './lab'

/**
 * A lab machine for real: refvca runs in a network namespace, `mutescope lab-agent` there joins it to the
 * workbench's portal across a veth link, and the workbench captures it with `capture --device`, through
 * Frida's own portal and remoting.
 */
describe('a lab machine in a network namespace, joined to the workbench portal', () => {
  let lab: Lab | null = null
  const started: Background[] = []
  const workbench = tempDir()
  let control = ''
  let cluster = ''
  let token = ''
  let refvcaPid = 0
  /** refvca's own report of what it sent: send time → [max, mean, min] gain. */
  const sent = new Map<number, [number, number, number]>()

  beforeAll(async () => {
    lab = makeLab('lab')
    const labDir = tempDir()
    const audio = join(labDir, 'noise.wav')
    steppedNoise(audio, [0.3], 6)
    cluster = `${lab.hostIp}:${await freePort(lab.hostIp)}`
    control = `127.0.0.1:${await freePort('127.0.0.1')}`
    const portal = startCli(
      ['portal', 'serve', '--cluster', cluster, '--control', control, '--name', 'lab', '--json'],
      workbench,
    )
    started.push(portal)
    token = JSON.parse((await portal.seen(/^\{"event":"listening".*$/m))[0]).token as string
    const refvca = startCli(['refvca', '--file', audio, '--interval', '1', '--json'], labDir, lab.ns)
    started.push(refvca)
    refvcaPid = Number((await refvca.seen(/"event":"started".*?"pid":(\d+)/))[1])
    createInterface({ input: refvca.child.stdout! }).on('line', (line) => {
      // Frida's agent in refvca may print its own (GLib) lines there too.
      if (!line.startsWith('{')) return
      const e = JSON.parse(line)
      if (e.event === 'sent') sent.set(Date.parse(e.ts), [e.audioMaxGain, e.audioMeanGain, e.audioMinGain])
    })
    const agent = startCli(
      ['lab-agent', '--portal', cluster, '--token', token, '--pid', String(refvcaPid)],
      labDir,
      lab.ns,
    )
    started.push(agent)
    await agent.seen(new RegExp(`joined pid ${refvcaPid} `))
  }, 120_000)

  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()))
    lab?.remove()
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(lab?.ns ?? '?')
  }, 60_000)

  it('devices list shows the portal reachable, with refvca joined from the lab machine', () => {
    const r = runCli(['devices', 'list', '--json'], { dataDir: workbench })
    expect(r.status, r.stderr).toBe(0)
    const devices = JSON.parse(r.stdout) as {
      name: string
      kind: string
      status: { reachable: boolean; joined: { pid: number; os: string; frida: string }[] | null }
    }[]
    expect(devices.map((d) => d.name)).toEqual(['local', 'lab'])
    const portal = devices[1]
    expect(portal, JSON.stringify(portal.status)).toMatchObject({
      kind: 'portal',
      address: control,
      token: true,
      status: { reachable: true },
    })
    expect(portal.status.joined).toEqual([
      expect.objectContaining({
        pid: refvcaPid,
        os: expect.stringMatching(/Linux/),
        frida: expect.stringMatching(/^\d+\.\d+\.\d+/),
      }),
    ])
  })

  it('capture --device lab --duration 15 --json captures its telemetry across the veth link', async () => {
    const cap = startCapture(['--device', 'lab', '--duration', '15'], workbench)
    expect(await cap.exited, cap.stderr).toBe(0)
    expect(cap.stderr).toContain(`attached to node (pid ${refvcaPid})`)
    const records = cap.lines().filter((l) => 'fields' in l) as {
      t: number
      fields: Record<string, number>
    }[]
    expect(records.length).toBeGreaterThanOrEqual(5)
    // Each decoded record is one refvca sent, gains and all (its own report, read from the namespace).
    await new Promise((r) => setTimeout(r, 500))
    for (const r of records)
      expect(sent.get(r.t)).toEqual([r.fields.audioMaxGain, r.fields.audioMeanGain, r.fields.audioMinGain])
  }, 90_000)

  it("cutting the namespace's link for 10 s mid-run: a marked gap, then the capture resumes", async () => {
    const cap = startCapture(['--device', 'lab'], workbench)
    let cutAt = 0
    let backAt = 0
    try {
      await cap.ready()
      const telemetry = () => cap.lines().filter((l) => 'fields' in l) as { t: number }[]
      await waitUntil(
        () => telemetry().length >= 2,
        'telemetry before the cut',
        () => cap.stderr,
      )
      lab!.cut()
      cutAt = Date.now()
      try {
        await waitUntil(
          () => /is lost/.test(cap.stderr),
          'the device lost',
          () => cap.stderr,
        )
        await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 10_000 - Date.now())))
      } finally {
        lab!.restore()
      }
      await waitUntil(
        () => /is back after/.test(cap.stderr),
        'the device back',
        () => cap.stderr,
        90_000,
      )
      backAt = Date.now()
      // Records sent after the link came back arrive live again.
      await waitUntil(
        () => telemetry().filter((r) => r.t > backAt).length >= 3,
        'telemetry after the gap',
        () => cap.stderr,
      )
    } finally {
      await cap.stop()
    }
    const store = SessionStore.open({ dir: workbench })
    try {
      const session = store.getSession(cap.sessionId())
      expect(session?.status).toBe('completed')
      const events = store.events(cap.sessionId())
      const lost = events.filter((e) => e.kind === 'device-lost')
      const back = events.filter((e) => e.kind === 'device-back')
      expect(lost).toHaveLength(1)
      expect(back).toHaveLength(1)
      expect(lost[0].detail).toMatchObject({ pid: refvcaPid, host: control })
      // The gap is marked where it was: it began before the cut's end and ended after it.
      const gap = back[0].detail as { since: number; gapMs: number }
      expect(gap.since).toBeLessThanOrEqual(cutAt + 10_000)
      expect(gap.since + gap.gapMs).toBeGreaterThanOrEqual(cutAt + 10_000)
      const times = store.telemetry(cap.sessionId()).map((r) => r.t)
      expect(times.some((t) => t < cutAt)).toBe(true)
      expect(times.some((t) => t > backAt)).toBe(true)
    } finally {
      store.close()
    }
  }, 180_000)

  it('a wrong portal token is refused with a message naming the device', async () => {
    const added = runCli(
      ['devices', 'add', 'portal', 'impostor', '--address', control, '--token', 'not-the-token'],
      {
        dataDir: workbench,
      },
    )
    expect(added.status, added.stderr).toBe(0)
    const r = runCli(['capture', '--device', 'impostor', '--duration', '2'], {
      dataDir: workbench,
      timeoutMs: 60_000,
    })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`device "impostor" (portal at ${control}) refused the token`)
    expect(r.stderr).not.toMatch(/at .*\.cjs:\d+/)
    // A lab machine with the wrong token is refused as clearly, and does not keep trying.
    const agent = startCli(
      ['lab-agent', '--portal', cluster, '--token', 'not-the-token', '--pid', String(refvcaPid)],
      tempDir(),
      lab!.ns,
    )
    started.push(agent)
    expect(await agent.exited).toBe(1)
    expect(agent.stderr).toContain(`the portal at ${cluster} refused the token`)
  }, 90_000)
})

/** Polls `pred` every 100 ms, failing after `timeoutMs` with `what` and the log. */
async function waitUntil(
  pred: () => boolean,
  what: string,
  log: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pred()) {
    if (Date.now() > deadline)
      throw new Error(`no ${what} within ${timeoutMs / 1000} s: ${log().slice(-3000)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
