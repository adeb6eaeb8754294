import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { cliPath, tempDir } from '../support/helpers'

describe('a new data folder opened by several processes at once', () => {
  it('is migrated once and every process gets in', async () => {
    const dataDir = tempDir()
    const runs = Array.from(
      { length: 6 },
      () =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const p = spawn(process.execPath, [cliPath, 'sessions', 'list', '--json'], {
            env: { ...process.env, MUTESCOPE_DATA_DIR: dataDir },
            stdio: ['ignore', 'ignore', 'pipe'],
          })
          let stderr = ''
          p.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
          p.on('exit', (code) => resolve({ code, stderr }))
        }),
    )
    for (const r of await Promise.all(runs)) expect(r.code, r.stderr).toBe(0)
  })
})
