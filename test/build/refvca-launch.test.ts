import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { spawnNode, type NodeLauncher } from '../../src/core/node-launcher'
import { startRefvcaProcess } from '../../src/core/refvca/process'
import type { SentReport } from '../../src/core/refvca/refvca'
import { tempDir } from '../support/helpers'

const alive = (pid: number) => spawnSync('kill', ['-0', String(pid)]).status === 0
/** Command lines of a process's children. */
const childrenOf = (pid: number) =>
  spawnSync('ps', ['-o', 'args=', '--ppid', String(pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)

// A packaged app cannot run its own executable as Node (runAsNode fuse off), so Electron's main process
// injects a launcher built on utilityProcess.fork; this checks the core starts every Node process through it.
describe('refvca started for an experiment (startRefvcaProcess)', () => {
  it('starts refvca and its sink through the injected launcher, and nothing else', async () => {
    const audio = join(tempDir('mutescope-launch-'), 'mic.wav')
    execFileSync('sox', ['-n', '-r', '48000', '-c', '2', audio, 'synth', '3', 'pinknoise', 'vol', '0.3'])
    const launched: { command: string; pid: number }[] = []
    const recording: NodeLauncher = async (script, args) => {
      const p = await spawnNode(script, args)
      launched.push({ command: args[0], pid: p.pid })
      return p
    }
    const reports: SentReport[] = []
    const refvca = await startRefvcaProcess({
      input: { file: audio },
      intervalS: 1,
      launch: recording,
      onReport: (r) => reports.push(r),
    })
    expect(launched.map((l) => l.command)).toEqual(['sink', 'refvca'])
    expect(refvca.pid).toBe(launched[1].pid)
    expect(refvca.sinkPid).toBe(launched[0].pid)
    await expect.poll(() => reports.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1)
    expect(reports[0].status).toBe(200)
    // Both are ours; refvca starts no Node process of its own, which a utility process could not.
    const ours = childrenOf(process.pid).map((c) => /mutescope\.cjs (\w+)/.exec(c)?.[1])
    expect(ours).toEqual(expect.arrayContaining(['sink', 'refvca']))
    expect(childrenOf(refvca.pid).filter((c) => c.includes('mutescope.cjs'))).toEqual([])

    await refvca.stop()
    expect(await refvca.exited).toMatch(/refvca exited \((code 0|SIGTERM)\)/)
    expect(alive(refvca.pid)).toBe(false)
    await expect.poll(() => alive(launched[0].pid), { timeout: 10_000 }).toBe(false)
  }, 60_000)
})
