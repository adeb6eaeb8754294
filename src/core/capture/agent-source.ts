import { readFileSync } from 'node:fs'
import { UserError } from '../errors'
import { outPath } from '../paths'

let cached: string | undefined

/** The bundled Frida agent (out/agent/agent.js, built by scripts/build-node.mjs). */
export function agentSource(): string {
  if (cached) return cached
  const file = outPath('agent', 'agent.js')
  try {
    return (cached = readFileSync(file, 'utf8'))
  } catch {
    throw new UserError(
      `the Frida agent bundle ${file} is missing: run "node scripts/build-node.mjs"`,
      'no_agent',
    )
  }
}
