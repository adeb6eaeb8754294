import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { errorMessage, UserError } from '../errors'
import type { SessionStore } from '../store/session-store'
import { capturedPeers, packetsFile, saveEgress } from './egress-store'
import { keepPeers } from './tshark'

/** The recorder's file: every TCP packet of the machine while the capture ran, until settled. */
export const rawFile = 'raw.capture'

/**
 * Keeps the streams to the peers the session's captures name, deletes the raw recording (it holds the
 * machine's other traffic too) and marks the session's egress recorded, or unavailable with the reason.
 */
export async function settleRecording(
  store: SessionStore,
  sessionId: number,
  folder: string,
  tshark: string,
  note: string | null,
): Promise<{ peers: number } | { unavailable: string }> {
  const raw = join(folder, rawFile)
  try {
    if (!existsSync(raw)) throw new UserError('the packet recorder wrote no packets')
    const peers = capturedPeers(store, sessionId)
    if (!(await keepPeers(tshark, raw, join(folder, packetsFile), peers)))
      throw new UserError('the captures name no peer address, so no stream could be kept')
    saveEgress(store, { sessionId, folder, status: 'recorded', reason: note })
    return { peers: peers.length }
  } catch (err) {
    const reason = errorMessage(err)
    saveEgress(store, { sessionId, folder, status: 'unavailable', reason })
    return { unavailable: reason }
  } finally {
    rmSync(raw, { force: true })
  }
}
