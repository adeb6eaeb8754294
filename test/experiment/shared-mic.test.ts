import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { micSetup, micTeardown } from '../../src/core/mic'
import { SINK, SOURCE } from '../../src/core/mic/pulse'
import { SessionStore } from '../../src/core/store/session-store'
import { repoRoot, runCli, startRun, tempDir } from '../support/helpers'

const episode = join(repoRoot, 'resources', 'demo', 'demo-episode.opus')

function pactlNames(kind: 'sinks' | 'sources' | 'modules'): string[] {
  return execFileSync('pactl', ['list', 'short', kind], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t').slice(1).join('\t'))
}

describe('two experiments never share a microphone (real PulseAudio)', () => {
  const targets: ChildProcess[] = []

  beforeAll(() => {
    const r = spawnSync('bash', [join(repoRoot, 'scripts', 'pulseaudio.sh')], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`PulseAudio did not start: ${r.stderr}`)
  })
  afterAll(() => {
    for (const t of targets) t.kill('SIGKILL')
  })

  it('a second run into the virtual microphone is refused, naming the run that holds it', async () => {
    const dataDir = tempDir()
    const target = spawn('sleep', ['600'], { stdio: 'ignore' })
    targets.push(target)
    const first = startRun(dataDir, ['--target', String(target.pid), '--episode', episode, '--loop'])
    await first.seen(/attached to/)
    // Not runCli: a synchronous child would stop this process reading the first run's output.
    const second = await startRun(dataDir, [
      '--target',
      String(target.pid),
      '--episode',
      episode,
      '--duration',
      '3',
    ]).end()
    expect(second.code).toBe(1)
    expect(second.stderr).toContain(
      `the playback device "${SINK}" is in use by session 1 ("pid ${target.pid}`,
    )
    expect(second.stderr).toContain(`of process ${first.child.pid}: stop that experiment first`)
    first.child.kill('SIGINT')
    const end = await first.end()
    expect(end.code).toBe(0)
    expect(end.last).toMatchObject({ sessionId: 1, status: 'completed' })
    // The claim went with the run that held it.
    expect(readdirSync(join(dataDir, 'claims'))).toEqual([])
  })

  it('refvca runs side by side each play into a microphone of their own, removed when they end', async () => {
    const dataDir = tempDir()
    SessionStore.open({ dir: dataDir }).close()
    const args = ['--target', 'refvca', '--episode', episode, '--interval', '2', '--duration', '5']
    const runs = [startRun(dataDir, args), startRun(dataDir, args)]
    const devices = await Promise.all(runs.map((r) => r.seen(/playing into (\S+)/).then((m) => m[1])))
    expect(devices[0]).not.toBe(devices[1])
    for (const d of devices) {
      expect(d).toMatch(/^mutescope_run_\d+_\d+_s\d+$/)
      expect(pactlNames('sinks').some((s) => s.startsWith(`${d}\t`))).toBe(true)
    }
    for (const r of runs) {
      const end = await r.end()
      expect(end.code, end.stderr).toBe(0)
      expect(end.last).toMatchObject({ status: 'completed' })
      expect(end.last.windows).toBeGreaterThanOrEqual(2)
    }
    for (const d of devices) expect(pactlNames('sinks').some((s) => s.startsWith(`${d}\t`))).toBe(false)
  })

  it("a killed run's microphone is removed by the next run", async () => {
    const dataDir = tempDir()
    const args = ['--target', 'refvca', '--episode', episode, '--interval', '2']
    const killed = startRun(dataDir, [...args, '--loop'])
    const [, device] = await killed.seen(/playing into (\S+)/)
    const [, refvca] = await killed.seen(/started refvca \(pid (\d+)\)/)
    killed.child.kill('SIGKILL')
    process.kill(Number(refvca), 'SIGKILL')
    await killed.end().catch(() => undefined)
    expect(pactlNames('sinks').some((s) => s.startsWith(`${device}\t`))).toBe(true)
    const next = runCli(['run', ...args, '--duration', '3', '--json'], { dataDir })
    expect(next.status, next.stderr).toBe(0)
    expect(pactlNames('sinks').some((s) => s.startsWith(`${device}\t`))).toBe(false)
  })

  it('concurrent setups make one virtual microphone, not duplicates', async () => {
    await micTeardown()
    try {
      await Promise.all([micSetup(), micSetup(), micSetup(), micSetup()])
      const sinks = pactlNames('sinks').filter((s) => s.startsWith(SINK))
      const sources = pactlNames('sources').filter((s) => s.startsWith(SOURCE))
      expect(sinks.map((s) => s.split('\t')[0])).toEqual([SINK])
      expect(sources.map((s) => s.split('\t')[0])).toEqual([SOURCE])
    } finally {
      await micTeardown()
    }
  })
})
