import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ServerResponse } from 'node:http'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { startRefvcaProcess } from '../../src/core/refvca/process'
import type { SentReport } from '../../src/core/refvca/refvca'
import { makeCert } from '../capture/tls-lab'
import { cliPath, repoRoot, tempDir } from '../support/helpers'

interface Line {
  event: string
  [k: string]: unknown
}
type Gains = [unknown, unknown, unknown]

const dir = tempDir('mutescope-refvca-')
const children: ChildProcess[] = []

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
})

/** Starts a CLI command; `lines` collects its JSON stdout lines, `next(event)` waits for the next of a kind. */
function start(args: string[]) {
  const child = spawn(process.execPath, [cliPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MUTESCOPE_DATA_DIR: dir },
  })
  children.push(child)
  const lines: Line[] = []
  const waiters: { event: string; seen: number; resolve: (l: Line) => void }[] = []
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as Line
    lines.push(line)
    for (const w of [...waiters]) {
      const matching = lines.filter((l) => l.event === w.event)
      if (matching.length > w.seen) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(matching[w.seen])
      }
    }
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    /** The n-th (0-based) line of this event. */
    nth: (event: string, n: number) =>
      new Promise<Line>((resolve, reject) => {
        const matching = lines.filter((l) => l.event === event)
        if (matching.length > n) return resolve(matching[n])
        waiters.push({ event, seen: n, resolve })
        void exited.then((code) =>
          reject(new Error(`${args[0]} exited (${code}) before "${event}" #${n}: ${stderr}`)),
        )
      }),
  }
}

let audio: string | undefined

/** Levels quiet, loud, medium, silent, one second each at 48 kHz (refvca resamples to 16 kHz through ffmpeg). */
function makeAudio(): string {
  if (audio) return audio
  const parts = [0.002, 0.6, 0.05, 0].map((vol, i) => {
    const f = join(dir, `part${i}.wav`)
    execFileSync('sox', ['-n', '-r', '48000', '-c', '2', f, 'synth', '1', 'pinknoise', 'vol', String(vol)])
    return f
  })
  audio = join(dir, 'mic.wav')
  execFileSync('sox', [...parts, audio])
  return audio
}

/** Pids of the sinks a refvca started for itself. */
const ownSinks = (refvcaPid: number): string[] =>
  spawnSync('pgrep', ['-f', `mutescope.cjs sink --port 0 --parent ${refvcaPid}$`], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)

const gainsOf = (l: Record<string, unknown>): Gains => [l.audioMaxGain, l.audioMeanGain, l.audioMinGain]

describe('refvca and sink, for real', () => {
  it('the gains the sink receives are the gains "decode" extracts from the bytes refvca sent', async () => {
    const audio = makeAudio()
    const cert = join(dir, 'sink.pem')
    const captures = join(dir, 'captures.jsonl')
    const sink = start(['sink', '--port', '0', '--cert-out', cert, '--captures', captures])
    const listening = await sink.nth('listening', 0)
    expect(listening.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)

    const refvca = start([
      'refvca',
      '--file',
      audio,
      '--once',
      '--interval',
      '1',
      '--sink',
      String(listening.url),
      '--ca',
      cert,
      '--json',
    ])
    expect(await refvca.exited).toBe(0)
    expect(refvca.stderr()).toBe('')
    const sent = refvca.lines.filter((l) => l.event === 'sent')
    expect(sent.map((l) => l.status)).toEqual([200, 200, 200, 200])

    const received = sink.lines.filter((l) => l.event === 'received')
    expect(received).toHaveLength(4)
    sink.child.kill('SIGTERM')
    expect(await sink.exited).toBe(0)

    const sinkGains = received.flatMap((l) => (l.levels as Record<string, unknown>[]).map(gainsOf))
    const sentGains = sent.map(gainsOf)
    expect(sinkGains).toEqual(sentGains)
    // The model's gain falls as the level rises (loud second lowest); in the silent second it recovers at
    // the release rate, 0.1 dB per 10 ms frame, so its max ends about 10 dB above its min.
    const means = sentGains.map((g) => g[1] as number)
    expect(means[1]).toBeLessThan(means[0])
    expect(means[1]).toBeLessThan(means[2])
    const [max, , min] = sentGains[3] as number[]
    expect(max - min).toBeGreaterThanOrEqual(9)
    expect(max - min).toBeLessThanOrEqual(11)

    // All four reports went over one keep-alive TLS connection, and decode reads them from its bytes.
    const captureLines = readFileSync(captures, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { conn: string })
    expect(new Set(captureLines.map((c) => c.conn))).toEqual(new Set(['1']))
    const decoded = spawnSync(process.execPath, [cliPath, 'decode', captures, '--captures', '--json'], {
      encoding: 'utf8',
    })
    expect(decoded.stderr).toBe('')
    expect(decoded.status).toBe(0)
    const records = decoded.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(records.map(gainsOf)).toEqual(sinkGains)
    expect(records.map((r) => r.ts)).toEqual(sent.map((l) => l.ts))
    expect(
      records.every((r) => r.path === '/metric/v1' && r.host === new URL(String(listening.url)).host),
    ).toBe(true)
  })

  it('keeps running like a real app (looping the file) with a sink it starts itself, until stopped', async () => {
    const refvca = start(['refvca', '--file', makeAudio(), '--interval', '1', '--json'])
    const started = await refvca.nth('started', 0)
    expect(started.pid).toBe(refvca.child.pid)
    // Past the 4 s file: the input loops, so reports keep coming.
    const fifth = await refvca.nth('sent', 4)
    expect(fifth.status).toBe(200)
    expect(refvca.lines.filter((l) => l.event === 'received').length).toBeGreaterThanOrEqual(4)
    expect(refvca.child.exitCode).toBeNull()
    refvca.child.kill('SIGTERM')
    expect(await refvca.exited).toBe(0)
    await expect.poll(() => ownSinks(refvca.child.pid!), { timeout: 5000 }).toEqual([])
  }, 30_000)

  /** refvca against a sink of the test's own that answers with `answer`; `requests()` counts what it got. */
  async function withOwnSink(
    answer: (res: ServerResponse) => void,
    use: (refvca: ReturnType<typeof start>, requests: () => number) => Promise<void>,
  ) {
    const cert = makeCert()
    let requests = 0
    const sink = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (req, res) => {
      requests++
      req.resume()
      answer(res)
    })
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
    const url = `https://127.0.0.1:${(sink.address() as AddressInfo).port}`
    try {
      const args = ['--file', makeAudio(), '--interval', '1', '--sink', url, '--ca', cert.cert, '--json']
      await use(start(['refvca', ...args]), () => requests)
    } finally {
      sink.closeAllConnections()
      sink.close()
    }
  }

  // Two cases: a sink that never answers the request, and one that sends its headers and then stalls.
  it.each([
    ['takes the request and never answers', false],
    ['answers with headers, then stalls the body', true],
  ])('ends at once on SIGTERM while its POST waits on a sink that %s', async (_, headers) => {
    const answer = (res: ServerResponse) =>
      headers && res.writeHead(200, { 'content-length': '10' }).write('ack')
    await withOwnSink(answer, async (refvca, requests) => {
      await expect.poll(requests, { timeout: 10_000 }).toBe(1)
      refvca.child.kill('SIGTERM')
      // Before the fix it never ended: the POST it awaited was not aborted.
      const code = await Promise.race([
        refvca.exited,
        new Promise((r) => setTimeout(() => r('still running'), 5000)),
      ])
      expect(code).toBe(0)
      expect(refvca.stderr()).not.toMatch(/cannot POST|cut off/)
    })
  })

  it('goes on reporting after a sink drops the connection mid-response, and says so', async () => {
    const answer = (res: ServerResponse) =>
      res.writeHead(200, { 'content-length': '10' }).write('ack', () => res.socket?.destroy())
    await withOwnSink(answer, async (refvca, requests) => {
      // Before the fix the first cut-off response was awaited for ever: no report after it.
      await expect.poll(requests, { timeout: 10_000 }).toBeGreaterThanOrEqual(3)
      expect(refvca.stderr()).toMatch(
        /refvca: the response from https:\/\/127\.0\.0\.1:\d+ was cut off; check that the sink is running/,
      )
      refvca.child.kill('SIGTERM')
      expect(await refvca.exited).toBe(0)
    })
  })

  it('its own sink does not outlive a refvca that is killed', async () => {
    const refvca = start(['refvca', '--file', makeAudio(), '--interval', '1', '--json'])
    await refvca.nth('sent', 0)
    expect(ownSinks(refvca.child.pid!)).toHaveLength(1)
    refvca.child.kill('SIGKILL')
    await refvca.exited
    await expect.poll(() => ownSinks(refvca.child.pid!), { timeout: 5000 }).toEqual([])
  })

  it('runs as its own process for the experiment service (startRefvcaProcess)', async () => {
    const reports: SentReport[] = []
    const app = await startRefvcaProcess({
      input: { file: makeAudio() },
      intervalS: 1,
      onReport: (r) => reports.push(r),
    })
    expect(() => process.kill(app.pid, 0)).not.toThrow()
    await expect.poll(() => reports.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2)
    expect(reports[0].status).toBe(200)
    await app.stop()
    expect(await app.exited).toMatch(/refvca exited \((code 0|SIGTERM)\)/)
    expect(() => process.kill(app.pid, 0)).toThrow()
  })

  it('is killed when SIGTERM does not end it (a frozen process) and stop() still returns', async () => {
    const app = await startRefvcaProcess({ input: { file: makeAudio() }, intervalS: 1 })
    // A stopped process cannot act on SIGTERM; SIGKILL still ends it.
    process.kill(app.pid, 'SIGSTOP')
    await app.stop()
    expect(await app.exited).toMatch(/refvca exited \(SIGKILL\)/)
  }, 20_000)

  it('reads a PulseAudio source (named by its description) through parec', async () => {
    execFileSync(join(repoRoot, 'scripts', 'pulseaudio.sh'), { stdio: 'ignore' })
    const name = `mutescope_refvca_test_${process.pid}`
    const module = execFileSync(
      'pactl',
      [
        'load-module',
        'module-null-sink',
        `sink_name=${name}`,
        `sink_properties=device.description=${name}_desc`,
      ],
      {
        encoding: 'utf8',
      },
    ).trim()
    try {
      const loud = join(dir, 'loud.wav')
      execFileSync('sox', ['-n', '-r', '48000', '-c', '2', loud, 'synth', '20', 'pinknoise', 'vol', '0.6'])
      const player = spawn('paplay', ['--device', name, loud])
      children.push(player)
      const refvca = start(['refvca', '--source', `Monitor of ${name}_desc`, '--interval', '1', '--json'])
      const first = await refvca.nth('sent', 0)
      expect(first.status).toBe(200)
      // Loud noise through the source drives the model's gain down to its 0 dB floor.
      expect(first.audioMinGain).toBe(0)
      expect(first.audioMaxGain).toBeLessThanOrEqual(55)
      player.kill()
      refvca.child.kill('SIGTERM')
      expect(await refvca.exited).toBe(0)
    } finally {
      execFileSync('pactl', ['unload-module', module])
    }
  })

  it('refuses bad flags with a message naming the fix', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, [cliPath, ...args], {
        encoding: 'utf8',
        env: { ...process.env, MUTESCOPE_DATA_DIR: dir },
      })
    const both = run(['refvca', '--source', 'x', '--file', 'y'])
    expect(both.status).toBe(1)
    expect(both.stderr).toMatch(/exactly one input/)
    expect(run(['refvca', '--file', 'y', '--interval', '0']).stderr).toMatch(/--interval must be/)
    expect(run(['refvca', '--file', 'y', '--sink', 'http://127.0.0.1:1']).stderr).toMatch(/https:\/\//)
    const missing = run(['refvca', '--source', 'no_such_source_here', '--sink', 'https://127.0.0.1:1'])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/no PulseAudio source "no_such_source_here"/)
  })
})
