// Hook overhead of the mic-access monitor on a 48 kHz stereo capture loop: a real program calling snd_pcm_readi
// for 10 ms of S16 audio from ALSA's null device as fast as it can (bench/mic-capture-loop.py), without and
// with MuteScope's audio hooks (python backend, mic access only, every call's level measured in the agent).
// A live 48 kHz stereo app with 10 ms buffers makes 100 such calls a second. Run: npm run bench:mic-access
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { agentSource } from '../src/core/capture/agent-source'
import { CaptureRun } from '../src/core/capture/capture-run'
import { PythonBackend } from '../src/core/capture/python-backend'

const seconds = 5
const realtimeCallsPerS = 100
const script = join(__dirname, 'mic-capture-loop.py')
const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], {
  encoding: 'utf8',
}).stdout.trim()

interface LoopResult {
  calls: number
  seconds: number
  callsPerS: number
}

/** Runs the loop once; `watch` attaches to it (by pid) before it starts. */
async function loop(watch?: (pid: number) => Promise<CaptureRun>) {
  const child = spawn(python, [script, String(seconds)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const pid = Number((await lines.next()).value)
  const run = watch ? await watch(pid) : null
  child.stdin.write('go\n')
  const result = JSON.parse((await lines.next()).value as string) as LoopResult
  await new Promise((resolve) => child.on('exit', resolve))
  const end = run ? await run.done : null
  return { result, end }
}

async function main() {
  const unhooked = await loop()
  const backend = await PythonBackend.start()
  let reads = 0
  let attachMs = 0
  const hooked = await loop(async (pid) => {
    const run = new CaptureRun(backend, agentSource(), {
      host: null,
      target: { pids: [pid] },
      hooks: [],
      micAccess: true,
    })
    run.on('micAccess', (r) => (reads += r.reads))
    const t0 = performance.now()
    await run.start()
    attachMs = performance.now() - t0
    return run
  })
  await backend.close()
  const hookedCalls = hooked.result.callsPerS
  console.log(
    JSON.stringify(
      {
        loop: 'snd_pcm_readi, 480 frames (10 ms) of 48 kHz stereo S16, ALSA null device',
        seconds,
        withoutHooks: { callsPerS: unhooked.result.callsPerS },
        withHooks: {
          callsPerS: hookedCalls,
          usPerCall: Number((1e6 / hookedCalls - 1e6 / unhooked.result.callsPerS).toFixed(1)),
          timesRealtime: Math.round(hookedCalls / realtimeCallsPerS),
          attachMs: Math.round(attachMs),
          readsReported: reads,
          callsMade: hooked.result.calls,
          end: hooked.end,
        },
        slowdown: Number((unhooked.result.callsPerS / hookedCalls).toFixed(1)),
      },
      null,
      2,
    ),
  )
}

void main()
