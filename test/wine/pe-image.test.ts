import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentSession } from '../../src/core/capture/backend'
import { fixtureAgent } from '../support/fixture-agent'
import { buildProgram } from './wine-lab'

// The agent's reader of PE images (how it finds Windows DLLs in a Wine process), inside a real Frida
// session, on a DLL built by mingw-w64 and laid out in memory by the test, whole and with its headers and
// export table spoiled: every offset is checked against the image before it is followed.
let agent: Awaited<ReturnType<typeof fixtureAgent>>
let session: AgentSession
let dll: string

type Read = Record<string, { name: string; size: number; exports: Record<string, number | null> } | null>

/** The RVAs mingw-w64's own tools give the exports (their addresses less the image base). */
function exportRvas(): Record<string, number> {
  const nm = spawnSync('x86_64-w64-mingw32-nm', [dll], { encoding: 'utf8' }).stdout
  const headers = spawnSync('x86_64-w64-mingw32-objdump', ['-p', dll], { encoding: 'utf8' }).stdout
  const imageBase = BigInt(`0x${/^ImageBase\s+([0-9a-f]+)/m.exec(headers)![1]}`)
  const rvas: Record<string, number> = {}
  for (const m of nm.matchAll(/^([0-9a-f]+) T (mutescope_\w+)$/gm))
    rvas[m[2]] = Number(BigInt(`0x${m[1]}`) - imageBase)
  return rvas
}

beforeAll(async () => {
  dll = buildProgram('exports', [], 'dll')
  agent = await fixtureAgent(join(__dirname, 'fixtures', 'pe-image.agent.ts'))
  session = agent.session
})
afterAll(() => agent?.close())

describe('PE images in memory', () => {
  it('finds exports by name where the export table says, and nothing for names it lacks', async () => {
    const rvas = exportRvas()
    expect(Object.keys(rvas).sort()).toEqual(['mutescope_alpha', 'mutescope_beta', 'mutescope_gamma'])
    const names = [...Object.keys(rvas), 'mutescope_delta', 'a', 'zzz']
    const read = await session.call<Read>('run', readFileSync(dll).toString('hex'), names)
    // No file: the image is known by the name its export table gives.
    expect(read.intact).toMatchObject({ name: 'exports.dll' })
    expect(read.intact!.exports).toEqual({ ...rvas, mutescope_delta: null, a: null, zzz: null })
  })

  it('refuses what is not an x64 image, and follows no offset that leaves the image', async () => {
    const names = ['mutescope_alpha', 'mutescope_beta', 'mutescope_gamma']
    const read = await session.call<Read>('run', readFileSync(dll).toString('hex'), names)
    for (const spoil of ['noMz', 'headersFarAway', 'otherMachine', 'noSize'])
      expect(read[spoil], spoil).toBeNull()
    const none = { mutescope_alpha: null, mutescope_beta: null, mutescope_gamma: null }
    // A table or a name outside the image, or too many names: nothing is found through it, nothing read.
    for (const spoil of [
      'nameCountHuge',
      'nameTableOutside',
      'nameOutside',
      'functionsOutside',
      'ordinalsOutside',
    ])
      expect(read[spoil]?.exports, spoil).toEqual(none)
  })
})
