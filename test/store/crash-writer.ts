// Child process for the crash test: records a session in batches and reports each committed batch, until killed.
import { SessionStore } from '../../src/core/store/session-store'
import { SessionWriter } from '../../src/core/store/session-writer'

const store = SessionStore.open({ dir: process.argv[2] })
const session = store.createSession({ name: 'crash test', targetApp: 'refvca' })
const writer = new SessionWriter(store, session.id, 1_000_000, 1_000_000)
let batch = 0
process.stdout.write(`session ${session.id}\n`)
setInterval(() => {
  for (let i = 0; i < 50; i++) {
    const t = Date.now()
    writer.addTelemetry({ t, host: 'h', path: '/metric/v1', conn: 'c1', fields: { audioMeanGain: batch } })
    writer.addCapture({
      t,
      pid: null,
      conn: 'c1',
      fn: 'SSL_write',
      module: 'node',
      dir: 'out',
      peer: null,
      thread: 1,
      data: new Uint8Array([batch & 255, i]),
    })
  }
  writer.flush()
  batch++
  process.stdout.write(`committed ${batch}\n`)
}, 5)
