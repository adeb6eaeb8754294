import { readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { egressListLimit, maxEgressPcapngBytes, type egressRequests } from '../../shared/contract/egress'
import { analyzeEgress, writeEgressPcapng } from '../egress/analyze'
import { egressOf } from '../egress/egress-store'
import { UserError } from '../errors'
import type { AppContext } from './context'
import type { HandlerGroup } from './handlers'

export function egressHandlers({ store }: AppContext): HandlerGroup<typeof egressRequests> {
  return {
    egressReport: async ({ id }) => {
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
      const r = await analyzeEgress(store, id)
      return {
        ...r,
        unproven: r.unproven.slice(0, egressListLimit),
        proofs: r.proofs.slice(0, egressListLimit),
      }
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
