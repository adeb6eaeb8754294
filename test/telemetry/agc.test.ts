import { describe, expect, it } from 'vitest'
import { AgcModel, maxGainDb } from '../../src/core/refvca/agc'
import { webexBody } from '../../src/core/refvca/webex-body'
import { decodeBytes, loadProfile } from '../../src/core/telemetry'
import { rngFor } from './packets'

const rate = 16_000
const frame = rate / 100

/** A sine of the given RMS level in dBFS (RMS = peak/√2). */
function sine(dbfs: number, seconds: number): Float32Array {
  const peak = Math.SQRT2 * 10 ** (dbfs / 20)
  return Float32Array.from(
    { length: rate * seconds },
    (_, i) => peak * Math.sin((2 * Math.PI * 1000 * i) / rate),
  )
}

describe('the refvca AGC model (as documented in agc.ts)', () => {
  it('holds the 55 dB maximum in digital silence', () => {
    const agc = new AgcModel(rate)
    agc.push(new Float32Array(rate))
    expect(agc.takeInterval()).toEqual({ audioMaxGain: 55, audioMeanGain: 55, audioMinGain: 55 })
    expect(agc.takeInterval()).toBeNull()
  })

  it('settles at target − level, falling at most 3 dB per 10 ms frame', () => {
    const agc = new AgcModel(rate)
    agc.push(sine(-50, 1)) // desired gain: −20 − (−50) = 30 dB
    const g = agc.takeInterval()!
    expect(g.audioMinGain).toBe(30)
    expect(g.audioMaxGain).toBe(maxGainDb - 3)
    // 8 frames falling 3 dB each (52 … 31), then 30 dB for the other 92 frames of the second.
    const falling = [52, 49, 46, 43, 40, 37, 34, 31]
    expect(g.audioMeanGain).toBe(
      Math.round((falling.reduce((a, b) => a + b) + 30 * (100 - falling.length)) / 100),
    )
  })

  it('recovers at most 0.1 dB per frame when the input gets quiet, and clips at 0 dB when loud', () => {
    const agc = new AgcModel(rate)
    agc.push(sine(-5, 1)) // desired −15 dB: clipped to 0
    expect(agc.takeInterval()!.audioMinGain).toBe(0)
    agc.push(new Float32Array(rate))
    expect(agc.takeInterval()).toEqual({ audioMaxGain: 10, audioMeanGain: 5, audioMinGain: 0 })
  })

  it('does not depend on how the samples are split into blocks', () => {
    const audio = Float32Array.from(
      { length: rate * 2 },
      (_, i) => (i < rate ? 0.3 : 0.001) * Math.sin(i / 7),
    )
    const whole = new AgcModel(rate)
    whole.push(audio)
    const split = new AgcModel(rate)
    const rng = rngFor('agc')
    for (let i = 0; i < audio.length;) {
      const n = 1 + Math.floor(rng() * 3 * frame)
      split.push(audio.subarray(i, i + n))
      i += n
    }
    expect(split.takeInterval()).toEqual(whole.takeInterval())
  })

  it('reports in a Webex-shaped body the webex profile decodes', () => {
    const gains = { audioMaxGain: 40, audioMeanGain: 33, audioMinGain: 21 }
    const ts = new Date('2026-01-02T03:04:05.678Z')
    const body = webexBody(gains, ts, 'cid')
    const { records } = decodeBytes(
      Buffer.from(`POST /metric/v1?appid=x HTTP/1.1\n${body}\n`),
      loadProfile('webex'),
    )
    expect(records).toEqual([
      { t: ts.getTime(), host: null, path: '/metric/v1', conn: 'input', fields: gains },
    ])
  })
})
