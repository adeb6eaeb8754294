import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { expect, it } from 'vitest'
import { steppedNoise } from '../mic/mic-lab'
import { cliPath, runCli, tempDir } from '../support/helpers'

/**
 * The decoder's issue, closed through the capture engine: the gains refvca reports sending are exactly the
 * gains that a Frida capture of refvca's own process (SSL_write inside node) decodes, record for record.
 */
it('a Frida capture of refvca decodes to the gains refvca sent', async () => {
  const dir = tempDir()
  const audio = join(dir, 'steps.wav')
  steppedNoise(audio, [0.05, 0.6], 4)
  const refvca = spawn(process.execPath, [cliPath, 'refvca', '--file', audio, '--interval', '1', '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const sent = new Map<number, [number, number, number]>()
  const started = new Promise<number>((resolve) =>
    createInterface({ input: refvca.stdout }).on('line', (line) => {
      const e = JSON.parse(line)
      if (e.event === 'started') resolve(e.pid)
      if (e.event === 'sent') sent.set(Date.parse(e.ts), [e.audioMaxGain, e.audioMeanGain, e.audioMinGain])
    }),
  )
  try {
    const pid = await started
    const capture = runCli(['capture', '--pid', String(pid), '--duration', '6', '--json'], {
      dataDir: tempDir(),
      timeoutMs: 60_000,
    })
    expect(capture.status).toBe(0)
    // refvca's report lines queued in its pipe while the synchronous capture ran; let them be read.
    await new Promise((r) => setTimeout(r, 500))
    const records = capture.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.fields)
    expect(records.length).toBeGreaterThanOrEqual(3)
    for (const r of records) {
      expect(sent.get(r.t)).toEqual([r.fields.audioMaxGain, r.fields.audioMeanGain, r.fields.audioMinGain])
    }
  } finally {
    refvca.kill()
  }
})
