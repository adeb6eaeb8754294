import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AudioApiReport, MicSecond } from '../../src/agent/protocol'
import type { AgentSession } from '../../src/core/capture/backend'
import { micAccessSecond } from '../../src/core/mic/access-seconds'
import { fixtureAgent } from '../support/fixture-agent'
import { tempDir } from '../support/helpers'

/**
 * The Core Audio hooks in a real Frida session, on a program that stands in for macOS's Core Audio and for an
 * app using it (fixtures/coreaudio-standin.c, built here): which units' renders count, the format asked of
 * the unit and of the device, the app's IOProc hooked when it registers it, all reported per second.
 */
let app: ChildProcess
let agent: Awaited<ReturnType<typeof fixtureAgent>>
let session: AgentSession
let stdout = ''

/** Resolves once the program printed `text`; rejects after a minute. */
function printed(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (!stdout.includes(text)) return
      clearInterval(check)
      clearTimeout(limit)
      resolve()
    }, 50)
    const limit = setTimeout(() => {
      clearInterval(check)
      reject(new Error(`the stand-in did not print "${text}" within 60 s: ${stdout}`))
    }, 60_000)
  })
}

beforeAll(async () => {
  const exe = join(tempDir(), 'coreaudio-standin')
  const cc = spawnSync(
    'gcc',
    ['-O1', '-rdynamic', '-o', exe, join(__dirname, 'fixtures', 'coreaudio-standin.c')],
    {
      encoding: 'utf8',
    },
  )
  if (cc.status !== 0) throw new Error(`gcc failed: ${cc.stderr}`)
  app = spawn(exe, [], { stdio: ['pipe', 'pipe', 'inherit'] })
  app.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  await printed('ready')
  agent = await fixtureAgent(join(__dirname, 'fixtures', 'coreaudio-hooks.agent.ts'), app)
  session = agent.session
})
afterAll(() => agent?.close())

describe('Core Audio hooks', () => {
  it("count the input unit's renders and the app's IOProc input, with the level of what they read", async () => {
    // Core Audio is hooked on macOS only.
    expect(await session.call<AudioApiReport[]>('install', 'linux')).toEqual([])
    const apis = await session.call<AudioApiReport[]>('install', 'darwin')
    expect(apis).toEqual([
      {
        module: 'coreaudio-standin',
        family: 'coreaudio',
        fns: expect.arrayContaining(['AudioUnitRender', 'AudioOutputUnitStart', 'AudioDeviceCreateIOProcID']),
      },
    ])
    const seconds: MicSecond[] = []
    session.onMessage(({ message }) => {
      const m = message.payload as { type: string; seconds: MicSecond[] }
      if (m?.type === 'mic-access') seconds.push(...m.seconds)
    })
    app.stdin!.write('go\n')
    // The app's IOProc ran all five cycles under the hook.
    await printed('done 5')
    await session.call('flush')
    const total = (api: string) => {
      const mine = seconds.filter((s) => s.api === api)
      const sum = (k: 'reads' | 'frames' | 'bytes' | 'samples' | 'sumSquares') =>
        mine.reduce((a, s) => a + s[k], 0)
      const r = micAccessSecond(app.pid!, 0, {
        t: 0,
        api,
        reads: sum('reads'),
        frames: sum('frames'),
        bytes: sum('bytes'),
        samples: sum('samples'),
        sumSquares: sum('sumSquares'),
        peak: Math.max(0, ...mine.map((s) => s.peak)),
      })
      return { reads: r.reads, frames: r.frames, bytes: r.bytes, rms: r.rmsDbfs, peak: r.peakDbfs }
    }
    expect(new Set(seconds.map((s) => s.api))).toEqual(new Set(['AudioUnitRender', 'AudioDeviceIOProc']))
    // Only the input unit's bus 1: not the output unit, not the mixer, not bus 0. s16 stereo at half scale.
    expect(total('AudioUnitRender')).toEqual({
      reads: 10,
      frames: 5120,
      bytes: 20480,
      rms: -6.02,
      peak: -6.02,
    })
    // The device's f32 stereo at a quarter of full scale, 256 frames a cycle.
    expect(total('AudioDeviceIOProc')).toEqual({
      reads: 5,
      frames: 1280,
      bytes: 10240,
      rms: -12.04,
      peak: -12.04,
    })
  })
})
