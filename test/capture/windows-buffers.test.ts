import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentSession } from '../../src/core/capture/backend'
import { fixtureAgent } from '../support/fixture-agent'
import { repoRoot } from '../support/helpers'

// The Windows hooks cannot run here, but their argument parsing can: inside a real Frida session, against
// structures laid out in the target's memory exactly as EncryptMessage and BCryptEncrypt receive them.
let agent: Awaited<ReturnType<typeof fixtureAgent>>
let session: AgentSession

const text = (hex: string) => Buffer.from(hex, 'hex').toString()

beforeAll(async () => {
  agent = await fixtureAgent(join(repoRoot, 'test', 'capture', 'fixtures', 'windows-buffers.agent.ts'))
  session = agent.session
})
afterAll(() => agent?.close())

describe('Windows buffer parsing', () => {
  it('takes only the SECBUFFER_DATA buffers of a SecBufferDesc, masks attribute bits, honours the cap', async () => {
    const r = await session.call<Record<string, { hex: string; size: number } | null | unknown>>('run')
    expect(r.streamTypes).toEqual([
      [7, 9],
      [1, 48],
      [6, 7],
      [0, 0],
    ])
    const plain = r as Record<string, { hex: string; size: number } | null>
    expect(text(plain.stream!.hex)).toBe('POST /telemetry HTTP/1.1\r\n\r\n{"audioMinGain":-42}')
    expect(plain.stream!.size).toBe(48)
    expect(text(plain.split!.hex)).toBe('first-second')
    expect(plain.splitCapped).toEqual({ hex: Buffer.from('first-se').toString('hex'), size: 12 })
    expect(plain.noData).toBeNull()
    expect(r.bogusError).toMatch(/claims 100000 buffers/)
  })

  it("reads BCryptEncrypt's input, skipping the size query and empty input", async () => {
    const r = (await session.call('run')) as Record<string, { hex: string; size: number } | null>
    expect(text(r.bcrypt!.hex)).toBe('{"audioMaxGain":-3}')
    expect(r.bcrypt!.size).toBe(19)
    expect(r.bcryptCapped).toEqual({ hex: Buffer.from('{"aud').toString('hex'), size: 19 })
    expect(r.bcryptSizeQuery).toBeNull()
    expect(r.bcryptEmpty).toBeNull()
  })
})
