import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentSession } from '../../src/core/capture/backend'
import { micAccessSecond } from '../../src/core/mic/access-seconds'
import { fixtureAgent } from '../support/fixture-agent'

// Core Audio's hooks cannot run here, but their parsing can: inside a real Frida session, on an
// AudioStreamBasicDescription and an AudioBufferList laid out in the target's memory as macOS hands them over.
let agent: Awaited<ReturnType<typeof fixtureAgent>>
let session: AgentSession

beforeAll(async () => {
  agent = await fixtureAgent(join(__dirname, 'fixtures', 'coreaudio-buffers.agent.ts'))
  session = agent.session
})
afterAll(() => agent?.close())

/** readBufferList's answer (the agent's types need Frida's, which this side does not have). */
interface BufferListRead {
  buffers: number
  bytes: number
  frames: number | null
  level: { samples: number; sumSquares: number; peak: number } | null
}

/** What a mic-access line would say of one call that read this. */
function line(read: BufferListRead) {
  const { level } = read
  const r = micAccessSecond(1, 0, {
    t: 0,
    api: 'AudioUnitRender',
    reads: 1,
    frames: read.frames ?? 0,
    bytes: read.bytes,
    samples: level?.samples ?? 0,
    sumSquares: level?.sumSquares ?? 0,
    peak: level?.peak ?? 0,
  })
  return {
    frames: read.frames,
    bytes: read.bytes,
    samples: level?.samples ?? null,
    rms: r.rmsDbfs,
    peak: r.peakDbfs,
  }
}

describe('Core Audio buffer parsing', () => {
  it('reads the sample format, channels and frame size of an AudioStreamBasicDescription', async () => {
    const r = await session.call<{ layouts: Record<string, unknown> }>('run')
    expect(r.layouts).toEqual({
      stereo16: { format: 's16', channels: 2, frameBytes: 4 },
      // Non-interleaved: the ASBD's bytes per frame are one channel's.
      planarF32: { format: 'f32', channels: 2, frameBytes: 8 },
      mono32: { format: 's32', channels: 1, frameBytes: 4 },
      // Known frame sizes, samples not measured.
      bigEndian16: { format: null, channels: 2, frameBytes: 4 },
      packed24: { format: null, channels: 2, frameBytes: 6 },
      // Compressed: no frame size.
      aac: { format: null, channels: 2, frameBytes: 0 },
      noChannels: null,
    })
  })

  it('counts the frames and bytes of an AudioBufferList and measures the level of its samples', async () => {
    const r = await session.call<Record<string, BufferListRead>>('run')
    // s16 stereo interleaved: left at half scale, right at a quarter: mean square 0.15625.
    expect(line(r.stereo16)).toEqual({ frames: 256, bytes: 1024, samples: 512, rms: -8.06, peak: -6.02 })
    // f32, one buffer per channel: a sine at 0.8 and a constant -0.1: mean square 0.165.
    expect(line(r.planarF32)).toEqual({ frames: 128, bytes: 1024, samples: 256, rms: -7.83, peak: -1.94 })
    // s32 mono at half scale.
    expect(line(r.mono32)).toEqual({ frames: 100, bytes: 400, samples: 100, rms: -6.02, peak: -6.02 })
  })

  it('reads no more than the cap for the level, and no level where the format is not known', async () => {
    const r = await session.call<Record<string, BufferListRead>>('run')
    // 512 bytes: the sine's buffer only; bytes and frames are still the whole list's.
    expect(line(r.planarF32Capped)).toEqual({
      frames: 128,
      bytes: 1024,
      samples: 128,
      rms: -4.95,
      peak: -1.94,
    })
    expect(line(r.bigEndian)).toEqual({ frames: 256, bytes: 1024, samples: null, rms: null, peak: null })
    expect(line(r.unknownLayout)).toEqual({ frames: null, bytes: 1024, samples: null, rms: null, peak: null })
    expect(line(r.noData)).toEqual({ frames: 256, bytes: 1024, samples: 0, rms: null, peak: null })
  })

  it('refuses a list that claims more buffers or bytes than any device delivers', async () => {
    const r = await session.call<Record<string, string | null>>('run')
    expect(r.tooManyBuffers).toBe('AudioBufferList claims more than 64 buffers')
    expect(r.hugeBuffer).toBe('AudioBuffer claims more than 16777216 bytes')
  })
})
