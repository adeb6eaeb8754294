import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

/** A temp folder removed after the file's tests; returns a path builder. */
export function tempDir(): (name: string) => string {
  const dir = mkdtempSync(join(tmpdir(), 'mutescope-audio-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return (name) => join(dir, name)
}

/** Runs sox (the real tool) to synthesise a test signal. */
export function sox(...args: string[]): void {
  execFileSync('sox', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

export function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { stdio: 'pipe' })
}

export async function collect(blocks: AsyncIterable<Float32Array>): Promise<Float32Array> {
  const parts: Float32Array[] = []
  for await (const b of blocks) parts.push(b)
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export function rms(x: Float32Array): number {
  let s = 0
  for (const v of x) s += v * v
  return Math.sqrt(s / x.length)
}
