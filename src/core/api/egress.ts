import { readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { egressListLimit, maxEgressPcapngBytes, type egressRequests } from '../../shared/contract/egress'
import { egressStages, writeEgressPcapng } from '../egress/analyze'
import { egressOf } from '../egress/egress-store'
import { UserError } from '../errors'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

export function egressHandlers({ store, events, jobs }: AppContext): HandlerGroup<typeof egressRequests> {
  return {
    egressReport: async ({ id, listAll }) => {
      store.getSession(id)
      if (!egressOf(store, id))
        return {
          sessionId: id,
          status: 'none',
          reason: null,
          records: store.count('telemetry', id),
          proven: 0,
          streams: [],
          unproven: [],
          proofs: [],
          secrets: 0,
          analysisMs: 0,
        }
      // tshark's decryption runs as a child process, the proof (JS) on the job's thread.
      return jobs.run(
        'analyzeEgress',
        { db: store.path, sessionId: id, listLimit: listAll ? undefined : egressListLimit },
        {
          onProgress: ({ stage }) =>
            events.emit('jobProgress', {
              job: 'egressReport',
              subject: String(id),
              stage,
              done: egressStages.indexOf(stage),
              total: egressStages.length,
            }),
        },
      )
    },
    egressPcapng: async ({ id }) => {
      const file = join(tmpdir(), `mutescope-egress-${randomBytes(8).toString('hex')}.pcapng`)
      try {
        await writeEgressPcapng(store, id, file)
        const bytes = statSync(file).size
        if (bytes > maxEgressPcapngBytes)
          throw new UserError(
            `the packets of session ${id} take ${bytes} bytes, too many to download here: ` +
              `run "mutescope egress ${id} --pcapng FILE"`,
          )
        return {
          fileName: `session-${id}-egress.pcapng`,
          base64: readFileSync(file).toString('base64'),
          bytes,
        }
      } finally {
        rmSync(file, { force: true })
      }
    },
  }
}
