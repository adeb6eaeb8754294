import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { repoRoot, startServe, tempDir } from '../support/helpers'

type Reply = { ok: boolean; result?: unknown; error?: { message: string } }
type StateEvent = {
  phase: string
  sessionId: number | null
  finished: { status: string; reason: string } | null
}

/** A token-checked client of `mutescope serve`: request/reply by id, and the experiment states it broadcasts. */
async function client(url: string) {
  const u = new URL(url)
  const ws = new WebSocket(`ws://${u.host}/api?token=${u.searchParams.get('token')}`)
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  const states: StateEvent[] = []
  const replies = new Map<number, (r: Reply) => void>()
  ws.on('message', (raw) => {
    const msg = JSON.parse(raw.toString())
    if (msg.event === 'experimentEvent' && msg.payload.type === 'state') states.push(msg.payload.state)
    else if (typeof msg.id === 'number') replies.get(msg.id)?.(msg.reply)
  })
  let nextId = 1
  const call = (method: string, params: unknown = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const id = nextId++
      replies.set(id, resolve)
      ws.send(JSON.stringify({ id, method, params }))
      setTimeout(() => reject(new Error(`no reply to ${method} within 60 s`)), 60_000)
    })
  const until = (pred: (s: StateEvent) => boolean, what: string) =>
    new Promise<StateEvent>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 60_000)
      const poll = () => {
        const s = states.find(pred)
        if (s) {
          clearTimeout(timeout)
          resolve(s)
        } else setTimeout(poll, 20)
      }
      poll()
    })
  return { ws, states, call, until }
}

describe('mutescope serve', () => {
  beforeAll(() => {
    const r = spawnSync('bash', [join(repoRoot, 'scripts', 'pulseaudio.sh')], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`PulseAudio did not start: ${r.stderr}`)
  })

  it('listens on the bracketed IPv6 loopback, [::1]', async () => {
    const server = startServe(tempDir(), {}, ['--host', '[::1]'])
    try {
      const url = await server.url
      expect(url).toMatch(/^http:\/\/\[::1\]:\d+\/\?token=[\w-]{32}$/)
      const page = await fetch(url)
      expect(page.status).toBe(200)
      const c = await client(url)
      expect(await c.call('appInfo')).toMatchObject({ ok: true })
      c.ws.close()
    } finally {
      await server.stop()
    }
  })

  it('survives a target that exits while the experiment starts, and starts the next one', async () => {
    const server = startServe(tempDir())
    try {
      const c = await client(await server.url)
      const plan = {
        target: { kind: 'spawn', command: '/bin/true' },
        backend: 'python',
        episodes: [join(repoRoot, 'resources', 'demo', 'demo-episode.opus')],
      }
      const reply = await c.call('startExperiment', plan)
      // The exit may be seen before or after the run is under way; never "running" without a session.
      if (reply.ok) expect(reply.result).toMatchObject({ phase: 'running', sessionId: expect.any(Number) })
      else expect(reply.error!.message).toMatch(/ended while starting: target exited/)
      const end = await c.until((s) => s.phase === 'idle' && s.finished !== null, 'the run to end')
      expect(end.finished).toMatchObject({ status: 'interrupted', reason: 'target exited' })
      for (const s of c.states) if (s.phase === 'running') expect(s.sessionId).not.toBeNull()
      expect(await c.call('appInfo')).toMatchObject({ ok: true })
      // Not left "stopping": a new start is accepted (and refused only for its episode).
      const next = await c.call('startExperiment', { ...plan, episodes: ['/nonexistent/episode.opus'] })
      expect(next.error?.message).toMatch(/nonexistent/)
      expect(await c.call('experimentState')).toMatchObject({ ok: true, result: { phase: 'idle' } })
      expect(server.child.exitCode).toBeNull()
      c.ws.close()
    } finally {
      await server.stop()
    }
  })
})
