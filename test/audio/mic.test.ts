import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LevelMeter } from '../../src/core/audio/level-meter'
import { micSetup, micStatus, micTeardown } from '../../src/core/mic'
import { parseMacDevices } from '../../src/core/mic/macos'
import { ownedModules, SINK, SOURCE, SOURCE_DESCRIPTION } from '../../src/core/mic/pulse'
import { parseWindowsEndpoints } from '../../src/core/mic/windows'

const fixtures = join(__dirname, 'fixtures')

function pactlList(kind: string): string {
  return execFileSync('pactl', ['list', 'short', kind], { encoding: 'utf8' })
}

describe('Linux virtual microphone (real PulseAudio)', () => {
  beforeAll(async () => {
    execFileSync(join(__dirname, '../../scripts/pulseaudio.sh'), { stdio: 'inherit' })
    await micTeardown()
  })
  afterAll(async () => {
    await micTeardown()
  })

  it('is absent, then set up once however often setup runs, then torn down', async () => {
    const before = await micStatus()
    expect(before).toMatchObject({
      platform: 'linux',
      backend: 'pulseaudio',
      ready: false,
      outputDevice: null,
    })
    expect(before.install).toMatch(/mutescope mic setup/)

    const status = await micSetup()
    expect(status).toMatchObject({
      ready: true,
      managed: true,
      outputDevice: SINK,
      inputDevice: SOURCE_DESCRIPTION,
    })
    expect(status.server).toMatch(/pulseaudio|pipewire/i)
    const modules = ownedModules(pactlList('modules'))
    expect(modules).toHaveLength(2)

    await micSetup()
    expect(ownedModules(pactlList('modules'))).toEqual(modules)
    expect(pactlList('sources')).toContain(SOURCE)

    expect((await micTeardown()).removed).toBe(2)
    expect(pactlList('sinks')).not.toContain(SINK)
    const again = await micTeardown()
    expect(again.removed).toBe(0)
    expect(again.status.ready).toBe(false)
  })

  it('removes a microphone it created when the process exits', async () => {
    await micTeardown()
    const mic = JSON.stringify(join(__dirname, '../../src/core/mic/index.ts'))
    const script = `require(${mic}).micSetup({ removeAtExit: true }).then((s) => console.log(JSON.stringify(s)))`
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' })
    expect(JSON.parse(out)).toMatchObject({ ready: true })
    expect(ownedModules(pactlList('modules'))).toEqual([])
  })

  it("removes it when the process is killed by SIGTERM, which skips Node's exit event", async () => {
    await micTeardown()
    const mic = JSON.stringify(join(__dirname, '../../src/core/mic/index.ts'))
    const script = `require(${mic}).micSetup({ removeAtExit: true }).then(() => { console.log('ready'); setInterval(() => {}, 1000) })`
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await once(child.stdout, 'data')
    expect(ownedModules(pactlList('modules'))).toHaveLength(2)
    child.kill('SIGTERM')
    const [code, signal] = await once(child, 'exit')
    expect([code, signal]).toEqual([null, 'SIGTERM'])
    expect(ownedModules(pactlList('modules'))).toEqual([])
  })

  it('carries a played signal to the virtual source at the computed level (pacat in, parec out)', async () => {
    await micSetup()
    const fs = 48000
    // Three tones at a steady level: A weighting makes the level depend on each arriving at its own amplitude.
    // (Steady, so a block parec drops on a busy machine does not move the level.)
    const x = new Float32Array(fs * 3)
    for (let i = 0; i < x.length; i++) {
      const t = i / fs
      x[i] =
        0.5 *
        (0.6 * Math.sin(2 * Math.PI * 250 * t) +
          0.3 * Math.sin(2 * Math.PI * 1000 * t) +
          0.1 * Math.sin(2 * Math.PI * 4000 * t))
    }
    const leqOf = (s: Float32Array) => {
      const m = new LevelMeter({ sampleRate: fs, weighting: 'A' })
      m.push(s)
      return m.finish().leq!
    }
    const raw = ['--format=float32le', `--rate=${fs}`, '--channels=1', '--raw']
    // A short latency so parec hands over what it heard before it is stopped.
    const rec = spawn('parec', [`--device=${SOURCE}`, ...raw, '--latency-msec=100'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const chunks: Buffer[] = []
    rec.stdout.on('data', (c: Buffer) => chunks.push(c))
    await new Promise((r) => setTimeout(r, 300))
    const play = spawn('pacat', [`--device=${SINK}`, ...raw], { stdio: ['pipe', 'ignore', 'inherit'] })
    play.stdin.end(Buffer.from(x.buffer))
    await new Promise((r) => play.on('close', r))
    await new Promise((r) => setTimeout(r, 500))
    rec.kill('SIGTERM')
    await new Promise((r) => rec.on('close', r))
    const bytes = Buffer.concat(chunks)
    const got = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2)
    // Trim the silence recorded before and after the signal.
    let first = 0
    while (first < got.length && Math.abs(got[first]) < 1e-3) first++
    let last = got.length - 1
    while (last > first && Math.abs(got[last]) < 1e-3) last--
    const heard = got.subarray(first, last + 1)
    expect(heard.length / fs).toBeGreaterThan(2.8)
    expect(Math.abs(leqOf(heard) - leqOf(x))).toBeLessThan(0.5)
  })
})

describe('Windows and macOS probes (captured command output)', () => {
  it('finds VB-Audio Virtual Cable among the endpoints', () => {
    const status = parseWindowsEndpoints(readFileSync(join(fixtures, 'windows-endpoints-cable.txt'), 'utf8'))
    expect(status).toMatchObject({
      ready: true,
      outputDevice: 'CABLE Input (VB-Audio Virtual Cable)',
      inputDevice: 'CABLE Output (VB-Audio Virtual Cable)',
      install: null,
    })
  })

  it('says how to install VB-Cable when it is missing', () => {
    const status = parseWindowsEndpoints(readFileSync(join(fixtures, 'windows-endpoints-plain.txt'), 'utf8'))
    expect(status.ready).toBe(false)
    expect(status.install).toMatch(/vb-audio\.com\/Cable.*as administrator.*CABLE Output/)
  })

  it('finds BlackHole in system_profiler output, or says how to install it', () => {
    const found = parseMacDevices(readFileSync(join(fixtures, 'macos-audio-blackhole.txt'), 'utf8'))
    expect(found).toMatchObject({ ready: true, outputDevice: 'BlackHole 2ch', inputDevice: 'BlackHole 2ch' })
    const missing = parseMacDevices(readFileSync(join(fixtures, 'macos-audio-plain.txt'), 'utf8'))
    expect(missing.ready).toBe(false)
    expect(missing.install).toMatch(/brew install blackhole-2ch/)
  })
})
