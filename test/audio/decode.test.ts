import { readFileSync, writeFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeAudio, probeAudio } from '../../src/core/audio/decode'
import { UserError } from '../../src/core/errors'
import { collect, ffmpeg, rms, synth, tempDir } from './helpers'

const path = tempDir()
const savedFfmpeg = process.env.MUTESCOPE_FFMPEG
afterEach(() => {
  if (savedFfmpeg === undefined) delete process.env.MUTESCOPE_FFMPEG
  else process.env.MUTESCOPE_FFMPEG = savedFfmpeg
})

async function rejection(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(UserError)
  return err as UserError
}

describe('native WAV reader', () => {
  // A stereo file whose channels differ, so the mono mix (mean of channels) is visible.
  const encodings = [
    ['-b', '8', '-e', 'unsigned-integer'],
    ['-b', '16', '-e', 'signed-integer'],
    ['-b', '24', '-e', 'signed-integer'],
    ['-b', '32', '-e', 'signed-integer'],
    ['-b', '32', '-e', 'floating-point'],
    ['-b', '64', '-e', 'floating-point'],
  ]
  for (const enc of encodings) {
    it(`reads ${enc[3]} ${enc[1]}-bit like ffmpeg does`, async () => {
      const file = path(`tone-${enc[1]}-${enc[3]}.wav`)
      synth(file, `-r 44100 -c 2 ${enc.join(' ')}`, 1.5, 'sine 440 sine 1000 vol 0.5')
      const info = await probeAudio(file)
      expect(info).toMatchObject({ sampleRate: 44100, channels: 2, decoder: 'wav' })
      expect(info.durationS).toBeCloseTo(1.5, 6)
      const native = await decodeAudio(file, { blockSize: 4096 })
      const samples = await collect(native.blocks)
      expect(samples.length).toBe(66150)
      // ffmpeg's reference decode of the same file, mixed to mono the same way.
      const viaFfmpeg = path(`ref-${enc[1]}-${enc[3]}.f32`)
      ffmpeg('-i', file, '-af', 'pan=mono|c0=0.5*c0+0.5*c1', '-f', 'f32le', viaFfmpeg)
      const buf = readFileSync(viaFfmpeg)
      const ref = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4)
      expect(ref.length).toBe(samples.length)
      let maxDiff = 0
      for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - samples[i]))
      expect(maxDiff).toBeLessThan(enc[1] === '8' ? 1 / 128 : 1e-4)
      // Two sines of amplitude 0.5, mixed 50/50: rms = 0.25 (plus quantisation noise at 8 bits).
      expect(rms(samples)).toBeCloseTo(0.25, enc[1] === '8' ? 2 : 4)
    })
  }

  it('streams in blocks no larger than asked', async () => {
    const file = path('long.wav')
    synth(file, '-r 48000 -c 1 -b 16', 2, 'sine 1000')
    const { blocks } = await decodeAudio(file, { blockSize: 1000 })
    let n = 0
    let count = 0
    for await (const b of blocks) {
      expect(b.length).toBeLessThanOrEqual(1000)
      n += b.length
      count++
    }
    expect(n).toBe(96000)
    expect(count).toBe(96)
  })
})

describe('ffmpeg decoding', () => {
  it('decodes compressed audio to mono at its own rate', async () => {
    const wav = path('src.wav')
    synth(wav, '-r 48000 -c 2 -b 16', 3, 'sine 1000 vol 0.5')
    const flac = path('tone.flac')
    ffmpeg('-i', wav, flac)
    const info = await probeAudio(flac)
    expect(info).toMatchObject({ sampleRate: 48000, channels: 2, codec: 'flac', decoder: 'ffmpeg' })
    expect(info.durationS).toBeCloseTo(3, 2)
    const { sampleRate, blocks } = await decodeAudio(flac)
    expect(sampleRate).toBe(48000)
    const x = await collect(blocks)
    expect(x.length).toBe(144000)
    // Identical channels: the mono mix keeps the sine's amplitude (0.5, rms 0.354).
    expect(rms(x)).toBeCloseTo(0.5 / Math.SQRT2, 3)
  })

  it('resamples WAV through ffmpeg when another rate is asked for', async () => {
    const wav = path('r.wav')
    synth(wav, '-r 48000 -c 1 -b 16', 2, 'sine 440 vol 0.5')
    const { sampleRate, blocks } = await decodeAudio(wav, { sampleRate: 16000 })
    expect(sampleRate).toBe(16000)
    const x = await collect(blocks)
    expect(Math.abs(x.length - 32000)).toBeLessThan(40)
    expect(rms(x)).toBeCloseTo(0.5 / Math.SQRT2, 2)
  })

  it('decodes the sound track of a video file', async () => {
    const mp4 = path('clip.mp4')
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x64:rate=5:duration=2',
      '-f',
      'lavfi',
      '-i',
      'sine=f=500:d=2',
      '-shortest',
      '-c:v',
      'mpeg4',
      '-c:a',
      'aac',
      mp4,
    )
    const { sampleRate, blocks } = await decodeAudio(mp4)
    expect(sampleRate).toBe(44100)
    const x = await collect(blocks)
    expect(x.length / sampleRate).toBeGreaterThan(1.9)
    expect(rms(x)).toBeGreaterThan(0.05)
  })

  it('stops early without waiting for the whole file', async () => {
    const wav = path('early.wav')
    synth(wav, '-r 48000 -c 1 -b 16', 60, 'sine 440')
    const { blocks } = await decodeAudio(wav, { sampleRate: 44100 })
    let got = 0
    for await (const b of blocks) {
      got += b.length
      if (got > 10_000) break
    }
    expect(got).toBeLessThan(44100 * 60)
  })
})

describe('bad files', () => {
  it('text bytes named .mp3', async () => {
    const file = path('noise.mp3')
    // Not random bytes: those hold MP3 frame sync words now and then, and ffmpeg sometimes decodes them.
    writeFileSync(file, Buffer.alloc(200_000, 'this is not audio\n'))
    const err = await rejection(decodeAudio(file))
    expect(err.message).toMatch(/noise\.mp3 is not a valid audio file/)
  })

  it('an empty file', async () => {
    const file = path('empty.wav')
    writeFileSync(file, '')
    expect((await rejection(decodeAudio(file))).message).toMatch(
      /is empty \(0 bytes\); copy or export it again/,
    )
  })

  it('a truncated WAV', async () => {
    const file = path('cut.wav')
    synth(path('whole.wav'), '-r 48000 -c 2 -b 16', 3, 'sine 1000')
    writeFileSync(file, readFileSync(path('whole.wav')).subarray(0, 100_000))
    const err = await rejection(decodeAudio(file))
    expect(err.code).toBe('truncated')
    expect(err.message).toMatch(/announces 3\.00 s of audio but only 0\.52 s are present/)
  })

  it('a WAV with a header and no samples', async () => {
    const file = path('nothing.wav')
    // sox's "trim 0 0" keeps nothing of the tone: a complete header over an empty data chunk.
    synth(file, '-r 8000 -c 1 -b 16', 1, 'sine 440 trim 0 0')
    expect((await rejection(decodeAudio(file))).message).toMatch(/holds no audio samples/)
  })

  it('a WAV cut inside its header', async () => {
    const file = path('stub.wav')
    writeFileSync(file, readFileSync(path('whole.wav')).subarray(0, 30))
    expect((await rejection(decodeAudio(file))).code).toBe('truncated')
  })

  it('a text file and a missing file', async () => {
    const file = path('notes.txt')
    writeFileSync(file, 'not audio at all\n'.repeat(100))
    expect((await rejection(decodeAudio(file))).code).toBe('not_audio')
    expect((await rejection(decodeAudio(path('nope.wav')))).message).toMatch(/does not exist/)
  })

  it('a video without sound', async () => {
    const mp4 = path('silent.mp4')
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=5:duration=1', '-c:v', 'mpeg4', mp4)
    expect((await rejection(decodeAudio(mp4))).message).toMatch(/has no audio stream/)
  })

  it('names how to install ffmpeg when it is missing', async () => {
    const wav = path('m.wav')
    synth(wav, '-r 8000 -c 1 -b 16', 0.5, 'sine 440')
    const ogg = path('m.ogg')
    ffmpeg('-i', wav, ogg)
    process.env.MUTESCOPE_FFMPEG = path('no-such-ffmpeg')
    const err = await rejection(decodeAudio(ogg))
    expect(err.code).toBe('ffmpeg_missing')
    expect(err.message).toMatch(/install it \(sudo apt install ffmpeg.*or set MUTESCOPE_FFMPEG/)
    // Plain WAV needs no ffmpeg.
    expect((await collect((await decodeAudio(wav)).blocks)).length).toBe(4000)
  })

  it('an unsupported WAV encoding without ffmpeg names both fixes', async () => {
    const wav = path('ulaw.wav')
    synth(wav, '-r 8000 -c 1 -e u-law', 0.5, 'sine 440')
    expect((await probeAudio(wav)).decoder).toBe('ffmpeg')
    process.env.MUTESCOPE_FFMPEG = path('no-such-ffmpeg')
    const err = await rejection(decodeAudio(wav))
    expect(err.message).toMatch(/or convert .*ulaw\.wav to PCM or float WAV/)
  })
})
