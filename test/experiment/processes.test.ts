import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/core/app'
import type { ExperimentEvent, ExperimentState } from '../../src/shared/contract/experiment'
import { repoRoot, tempDir } from '../support/helpers'

// An experiment on an application of several processes: the live state lists each one, its TLS and how
// it is reached, and what has exited. Real PulseAudio, Frida and python processes.
const episode = join(repoRoot, 'resources', 'demo', 'demo-episode.opus')
const app = createApp({ dataDir: tempDir(), transport: 'web' })
// A launcher that starts a new TLS-using python every half second, like an app starting helper processes.
const launcher = spawn(
  'sh',
  ['-c', `while :; do python3 -c 'import ssl, time; time.sleep(3)' & sleep 0.5; done`],
  { stdio: 'ignore', detached: true },
)

beforeAll(() => {
  const r = spawnSync('bash', [join(repoRoot, 'scripts', 'pulseaudio.sh')], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`PulseAudio did not start: ${r.stderr}`)
})
afterAll(async () => {
  process.kill(-launcher.pid!, 'SIGKILL')
  await app.dispatch('stopExperiment', {})
  app.close()
})

async function state(): Promise<ExperimentState> {
  const r = await app.dispatch('experimentState', {})
  if (!r.ok) throw new Error(r.error.message)
  return r.result as ExperimentState
}

describe('the experiment follows the target application process by process', () => {
  it('lists the processes it attached to, their TLS libraries, and those that exited', async () => {
    const started = await app.dispatch('startExperiment', {
      target: { kind: 'pid', pid: launcher.pid },
      episodes: [episode],
      intervalS: 2,
      // Longer than the wait below (the test stops it): a run that ends first would empty the list.
      durationS: 60,
    })
    expect(started.ok, JSON.stringify(started)).toBe(true)
    // Children started after the attach are caught, and each says how its OpenSSL is reached. On a loaded
    // machine a python may be attached before it has loaded libssl; it says so once it has.
    const pythons = (s: ExperimentState) =>
      s.processes
        .slice(1)
        .filter((p) => p.tls.some((t) => /^openssl in libssl\.so[.\d]* \(export\)$/.test(t)))
    const log: string[] = []
    app.events.subscribe((name, payload) => {
      const e = payload as ExperimentEvent
      if (name === 'experimentEvent' && e.type === 'log') log.push(`${e.level} ${e.message}`)
    })
    const deadline = Date.now() + 30_000
    let s = await state()
    while (!(s.processes.some((p) => p.status === 'exited') && pythons(s).length >= 2)) {
      if (Date.now() > deadline)
        throw new Error(`phase ${s.phase}, processes: ${JSON.stringify(s.processes)}\n${log.join('\n')}`)
      await new Promise((r) => setTimeout(r, 200))
      s = await state()
    }
    expect(s.processes[0]).toMatchObject({ pid: launcher.pid, status: 'attached' })
    await app.dispatch('stopExperiment', {})
  })
})
