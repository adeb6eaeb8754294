// The entry of a job's worker thread, bundled as a file of its own (out/cli/job-worker.cjs for the CLI and
// web mode, out/main/job-worker.js for Electron); see worker-file.ts.
import { parentPort, workerData } from 'node:worker_threads'
import { cancelMessage, errorReply, startMessage, type WorkerMessage } from './protocol'
import { execute } from './registry'

const port = parentPort
if (!port) throw new Error('job-worker runs on a worker thread only')
const send = (m: WorkerMessage) => port.postMessage(m)
const abort = new AbortController()
port.on('message', (m: unknown) => {
  if (cancelMessage.safeParse(m).success) abort.abort()
})

// The main thread ends this thread once it has the output or the error.
void (async () => {
  try {
    const { name, input } = startMessage.parse(workerData)
    const output = await execute(name, input, {
      signal: abort.signal,
      progress: (progress) => send({ kind: 'progress', progress }),
    })
    send({ kind: 'done', output })
  } catch (err) {
    send(errorReply(err))
  }
})()
