import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { micReview } from '../../src/core/analysis/mic-review'
import { SessionStore } from '../../src/core/store/session-store'
import { repoRoot, runCli, tempDir } from '../support/helpers'

const demo = join(repoRoot, 'resources', 'demo', 'demo-episode.opus')

beforeAll(() => {
  const pulse = spawnSync('bash', [join(repoRoot, 'scripts', 'pulseaudio.sh')], { encoding: 'utf8' })
  if (pulse.status !== 0) throw new Error(`PulseAudio did not start: ${pulse.stderr}`)
})

function run(args: string[]) {
  const dataDir = tempDir()
  const r = runCli(['run', '--target', 'refvca', '--episode', demo, '--interval', '2', ...args, '--json'], {
    dataDir,
    timeoutMs: 240_000,
  })
  expect(r.status, r.stderr).toBe(0)
  const last = JSON.parse(r.stdout.trim().split('\n').pop()!)
  const store = SessionStore.open({ dir: dataDir })
  const attached = store
    .events(last.sessionId)
    .filter((e) => e.kind === 'attach')
    .map((e) => (e.detail as { name: string }).name)
  return { r, last, store, attached }
}

describe('mutescope run --mic-access --muted', () => {
  it('records what refvca reads through parec, muted throughout, and says it at the end', () => {
    const { r, last, store, attached } = run(['--duration', '20', '--mic-access', '--muted'])
    try {
      // refvca's tree is followed to its microphone reader; its own telemetry sink is left alone.
      expect(attached.sort()).toEqual(['node', 'parec'])
      const session = store.getSession(last.sessionId)
      expect(last.muteIntervals).toEqual([{ start: session.startedAt, end: session.endedAt }])
      expect(last.micAccess).toBeGreaterThanOrEqual(15)
      expect(last.micAccess).toBe(store.micAccess(session.id).length)
      const [m] = last.muted
      expect(last.muted).toHaveLength(1)
      expect(m).toMatchObject({ name: 'parec', api: 'pa_stream_peek' })
      expect(m.readS).toBeGreaterThanOrEqual(15)
      expect(m.sentence).toMatch(
        /^parec \(pid \d+\) via pa_stream_peek: in \d+ s muted, the app read \d+ s of audio from the microphone \([\d.]+ reads\/s\), RMS \u2212[\d.]+ dBFS$/,
      )
      expect(r.stderr).toContain(m.sentence)
      expect(r.stderr).toMatch(/mic-access \S+ pid \d+ pa_stream_peek: \d+ reads, RMS -[\d.]+ dBFS \(muted\)/)
      // What it read follows what was played: the demo's level steps at 15 s.
      const review = micReview(store, session.id, { width: 100 })
      const [parec] = review.correlation!.streams
      expect(parec.pearson!.n).toBeGreaterThanOrEqual(8)
      expect(parec.pearson!.r).toBeGreaterThan(0.9)
    } finally {
      store.close()
    }
  })

  it('without --mic-access leaves refvca’s children alone and records no lane', () => {
    const { last, store, attached } = run(['--duration', '4'])
    try {
      expect(attached).toEqual(['node'])
      expect(last).not.toHaveProperty('micAccess')
      expect(store.micAccess(last.sessionId)).toEqual([])
      expect(store.muteIntervals(last.sessionId)).toEqual([])
    } finally {
      store.close()
    }
  })
})
