import { describe, expect, it } from 'vitest'
import { AgcModel, agcFrameS, defaultAgc } from '../../src/core/refvca/agc'
import { defaultSuppression, NoiseSuppressor } from '../../src/core/refvca/noise-suppression'
import { rngFor } from './packets'
import { runCli, tempDir } from '../support/helpers'

const rate = 16_000
const frame = rate * agcFrameS

/** White noise of the given RMS level in dBFS. */
function noise(dbfs: number, seconds: number, seed: string): Float32Array {
  const rng = rngFor(seed)
  const rms = 10 ** (dbfs / 20)
  // Uniform on [-a, a] has RMS a/√3.
  return Float32Array.from({ length: rate * seconds }, () => (rng() * 2 - 1) * rms * Math.sqrt(3))
}

function frameGains(audio: Float32Array): number[] {
  const s = new NoiseSuppressor(agcFrameS)
  const out: number[] = []
  for (let i = 0; i + frame <= audio.length; i += frame) out.push(s.process(audio.slice(i, i + frame)))
  return out
}

describe('the refvca noise-removal model (as documented in noise-suppression.ts)', () => {
  it('attenuates steady noise by the floor once it has learnt it', () => {
    const gains = frameGains(noise(-40, 3, 'steady'))
    // After a second the minimum tracker sits on the noise: every frame gets the full attenuation.
    expect(gains.slice(100).every((g) => g === defaultSuppression.floorDb)).toBe(true)
  })

  it('lets a sound well above the noise floor through nearly unchanged', () => {
    const quiet = noise(-50, 2, 'floor')
    const loud = noise(-20, 0.3, 'burst')
    const gains = frameGains(Float32Array.from([...quiet, ...loud]))
    const burst = gains.slice(200)
    // 30 dB above the floor: 1 − 2·10^-3 of the power is kept, minus the floor's rise during the burst.
    expect(Math.min(...burst)).toBeGreaterThan(-0.5)
  })

  it('raises the AGC gain on noise, as less of it reaches the gain control', () => {
    const audio = noise(-30, 3, 'agc')
    const music = new AgcModel(rate)
    music.push(audio.slice())
    const suppressor = new NoiseSuppressor(agcFrameS)
    const removal = new AgcModel(rate, defaultAgc, (f) => suppressor.process(f))
    removal.push(audio.slice())
    const [m, r] = [music.takeInterval()!, removal.takeInterval()!]
    expect(Math.abs(m.audioMeanGain - 10)).toBeLessThanOrEqual(1) // −20 − (−30), less the attack
    expect(r.audioMeanGain).toBeGreaterThanOrEqual(m.audioMeanGain + 15)
  })

  it('refvca refuses a mode it does not know, naming the ones it does', () => {
    const r = runCli(['refvca', '--file', 'x.wav', '--mode', 'studio'], { dataDir: tempDir() })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/--mode must be music or noise-removal, got "studio"/)
  })
})
