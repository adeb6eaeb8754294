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

/**
 * Writes a test signal with sox (the real tool): `format` is sox's output options ('-r 48000 -c 1 -b 16'),
 * `signal` its synth effect chain ('sine 1000 vol 0.5').
 */
export function synth(file: string, format: string, seconds: number, signal: string): void {
  const args = ['-n', ...format.split(' '), file, 'synth', String(seconds), ...signal.split(' ')]
  execFileSync('sox', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

export function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { stdio: 'pipe' })
}

export function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export async function collect(blocks: AsyncIterable<Float32Array>): Promise<Float32Array> {
  const parts: Float32Array[] = []
  for await (const b of blocks) parts.push(b)
  return concat(...parts)
}

export function rms(x: Float32Array): number {
  let s = 0
  for (const v of x) s += v * v
  return Math.sqrt(s / x.length)
}
