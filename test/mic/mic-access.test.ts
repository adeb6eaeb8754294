import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { arecordArgs } from '../../src/core/refvca/audio-input'
import { SessionStore } from '../../src/core/store/session-store'
import { cliPath, runCli, tempDir } from '../support/helpers'
import { micAccess, python, startMicLab, startProgram, stopChild, trackPlayed } from './mic-lab'

/**
 * The mic-access monitor on real programs reading a real microphone: parec (PulseAudio) and arecord through
 * ALSA's pulse plugin, refvca in both modes, a program that holds the microphone without reading it, one
 * that exits mid-run, and bad input.
 */

const pulseApis = ['pa_stream_peek', 'pa_simple_read']
const alsaApis = ['snd_pcm_readi', 'snd_pcm_readn', 'snd_pcm_mmap_readi', 'snd_pcm_mmap_commit']

let lab: Awaited<ReturnType<typeof startMicLab>> | undefined
let mic: NonNullable<typeof lab>['mic']
let player: NonNullable<typeof lab>['player']

beforeAll(async () => {
  lab = await startMicLab()
  ;({ mic, player } = lab)
})

afterAll(() => lab?.stop())

describe('the per-second RMS an app read tracks what was played', () => {
  it('parec (PulseAudio): >= 15 seconds through pa_stream_peek, r >= 0.95 with the played level', async () => {
    const parec = startProgram('parec', [
      '-d',
      mic.source,
      '--format=s16le',
      '--rate=16000',
      '--channels=1',
      '--latency-msec=50',
    ])
    const dataDir = tempDir()
    try {
      const pid = parec.child.pid!
      const r = await micAccess(['--pid', String(pid), '--duration', '20'], dataDir).done
      expect(r.code, r.stderr).toBe(0)
      const mine = r.seconds.filter((s) => s.pid === pid && pulseApis.includes(s.api))
      expect(mine.length, r.stderr).toBeGreaterThanOrEqual(15)
      expect(mine.every((s) => s.api === 'pa_stream_peek')).toBe(true)
      for (const s of mine)
        expect(Object.keys(s).slice(0, 7)).toEqual(['t', 'pid', 'api', 'reads', 'frames', 'bytes', 'rmsDbfs'])
      const { n, r: corr } = trackPlayed(mine, player.played)
      expect(n).toBeGreaterThanOrEqual(15)
      expect(corr).toBeGreaterThanOrEqual(0.95)
      // 16 kHz mono S16: the frames read in a whole second are about a second's worth, two bytes each.
      const whole = mine.slice(1, -1)
      for (const s of whole) expect(s.bytes).toBe(2 * s.frames)
      expect(whole.reduce((a, s) => a + s.frames, 0) / whole.length).toBeGreaterThan(14_000)
      expect(r.last).toEqual({
        sessionId: expect.any(Number),
        apis: ['pa_stream_peek'],
        reads: r.seconds.reduce((a, s) => a + s.reads, 0),
      })
      const store = SessionStore.open({ dir: dataDir })
      try {
        expect(store.micAccess(r.last!.sessionId)).toEqual(r.seconds)
        expect(store.getSession(r.last!.sessionId)).toMatchObject({
          status: 'completed',
          statusReason: 'stopped',
        })
      } finally {
        store.close()
      }
    } finally {
      await parec.stop()
    }
  })

  it('arecord -D pulse (ALSA): >= 15 seconds through snd_pcm_readi, r >= 0.95 with the played level', async () => {
    const arecord = startProgram('arecord', [...arecordArgs('S16_LE', 16000, 2), '/dev/null'], {
      PULSE_SOURCE: mic.source,
    })
    const dataDir = tempDir()
    try {
      const pid = arecord.child.pid!
      const r = await micAccess(['--pid', String(pid), '--duration', '20', '--muted'], dataDir).done
      expect(r.code, r.stderr).toBe(0)
      const alsa = r.seconds.filter((s) => s.pid === pid && alsaApis.includes(s.api))
      expect(alsa.length, r.stderr).toBeGreaterThanOrEqual(15)
      expect(alsa.every((s) => s.api === 'snd_pcm_readi')).toBe(true)
      const { n, r: corr } = trackPlayed(alsa, player.played)
      expect(n).toBeGreaterThanOrEqual(15)
      expect(corr).toBeGreaterThanOrEqual(0.95)
      // Stereo S16: four bytes a frame, from the PCM's own hardware parameters.
      for (const s of alsa) expect(s.bytes).toBe(4 * s.frames)
      // ALSA's pulse plugin reads through PulseAudio underneath, in the same process: both layers are shown.
      expect(r.last!.apis).toEqual(['pa_stream_peek', 'snd_pcm_readi'])
      // --muted: one muted interval, the whole session.
      const store = SessionStore.open({ dir: dataDir })
      try {
        const session = store.getSession(r.last!.sessionId)
        expect(store.muteIntervals(session.id)).toEqual([{ start: session.startedAt, end: session.endedAt }])
      } finally {
        store.close()
      }
    } finally {
      await arecord.stop()
    }
  })
})

describe('refvca reads the microphone through the API it is told', () => {
  for (const [api, expected] of [
    ['pulse', 'pa_stream_peek'],
    ['alsa', 'snd_pcm_readi'],
  ] as const)
    it(`--api ${api}: its recorder's reads show as ${expected}`, async () => {
      const refvca = spawn(
        process.execPath,
        [cliPath, 'refvca', '--source', mic.source, '--api', api, '--interval', '2', '--json'],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      )
      try {
        const started = await new Promise<{ pid: number; api: string }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('refvca did not start within 30 s')), 30_000)
          createInterface({ input: refvca.stdout }).on('line', (line) => {
            const e = JSON.parse(line)
            if (e.event !== 'started') return
            clearTimeout(timer)
            resolve(e)
          })
        })
        expect(started.api).toBe(api)
        const r = await micAccess(['--pid', String(started.pid), '--tree', '--duration', '8'], tempDir()).done
        expect(r.code, r.stderr).toBe(0)
        const reads = r.seconds.filter((s) => s.api === expected && s.reads > 0)
        expect(reads.length, r.stderr).toBeGreaterThanOrEqual(3)
        // The reads are its recorder's, a child of refvca, not refvca's own node process.
        expect(new Set(reads.map((s) => s.pid)).has(started.pid)).toBe(false)
        expect(reads.every((s) => s.rmsDbfs !== null && s.rmsDbfs > -80)).toBe(true)
      } finally {
        await stopChild(refvca)
      }
    })
})

describe('an app that holds the microphone', () => {
  it('without reading it shows every second with zero reads, not silence', async () => {
    const fixture = join(__dirname, 'fixtures', 'open-mic.py')
    // It holds the microphone a while past the run: it writes to mic-access's stderr, which stays open until
    // it exits.
    const run = micAccess(['--spawn', `${python} ${fixture} 15`, '--duration', '8'], tempDir())
    const r = await run.done
    expect(r.code, r.stderr).toBe(0)
    const held = r.seconds.filter((s) => s.api === 'pa_simple_read')
    expect(held.length, r.stderr).toBeGreaterThanOrEqual(4)
    for (const s of held) expect(s).toMatchObject({ reads: 0, frames: 0, bytes: 0, rmsDbfs: null })
    expect(r.last).toMatchObject({ apis: ['pa_simple_read'], reads: 0 })
  })

  it('that exits mid-run ends the lane cleanly: session interrupted, rows kept, exit 0', async () => {
    const parec = startProgram('parec', ['-d', mic.source, '--format=float32le', '--channels=1'])
    const dataDir = tempDir()
    const run = micAccess(['--pid', String(parec.child.pid), '--duration', '60'], dataDir)
    try {
      await run.lines(3)
    } finally {
      await parec.stop()
    }
    const r = await run.done
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/session \d+ interrupted: target exited/)
    expect(r.seconds.filter((s) => s.reads > 0).length).toBeGreaterThanOrEqual(2)
    const store = SessionStore.open({ dir: dataDir })
    try {
      expect(store.getSession(r.last!.sessionId)).toMatchObject({
        status: 'interrupted',
        statusReason: 'target exited',
      })
      expect(store.micAccess(r.last!.sessionId)).toEqual(r.seconds)
    } finally {
      store.close()
    }
  })
})

describe('bad input', () => {
  it('an unknown pid', () => {
    const gone = spawnSync('true').pid
    const r = runCli(['mic-access', '--pid', String(gone)], { dataDir: tempDir() })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`no process matches pid ${gone}: .*mutescope processes`))
  })

  it('a process with no audio-capture API loaded: says so, names what it looked for, stores nothing', async () => {
    const sleeper = startProgram('sleep', ['600'])
    const dataDir = tempDir()
    try {
      const r = runCli(['mic-access', '--pid', String(sleeper.child.pid), '--duration', '5'], { dataDir })
      expect(r.status).toBe(1)
      expect(r.stderr).toContain(`no audio-capture API is loaded in pid ${sleeper.child.pid}`)
      for (const looked of [
        'PulseAudio (libpulse.so.0: pa_stream_peek)',
        'ALSA (libasound.so.2: snd_pcm_readi',
        'PipeWire',
        'PortAudio',
      ])
        expect(r.stderr).toContain(looked)
      const store = SessionStore.open({ dir: dataDir })
      try {
        expect(store.listSessions()).toEqual([])
      } finally {
        store.close()
      }
    } finally {
      await sleeper.stop()
    }
  })
})
