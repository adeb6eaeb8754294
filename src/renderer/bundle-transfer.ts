import { bundleChunkBytes } from '../shared/contract/sessions'
import type { Session } from '../shared/model'
import { api } from './api'
import { base64ToBytes, bytesToBase64, downloadBytes } from './download'

export type ImportOutcome =
  | { session: Session }
  /** The bundle was imported before: api.finishImport(transferId) imports it again or drops it. */
  | { duplicateOf: { id: number; name: string }; transferId: string }

/**
 * Sends a bundle file to the core a chunk at a time (a whole one may be gigabytes); resolves with the new
 * session, or with the session it was imported as before, for the user to decide.
 */
export async function importBundleFile(file: File): Promise<ImportOutcome> {
  const { transferId } = await api.importSession({ bytes: file.size, ifDuplicate: 'ask' })
  for (let offset = 0; ; offset += bundleChunkBytes) {
    const chunk = new Uint8Array(await file.slice(offset, offset + bundleChunkBytes).arrayBuffer())
    const r = await api.importSessionChunk({ transferId, offset, base64: bytesToBase64(chunk) })
    if (r.session) return { session: r.session }
    if (r.duplicateOf) return { duplicateOf: r.duplicateOf, transferId }
  }
}

/** Fetches a session's bundle a chunk at a time and hands it to the user as a download. */
export async function downloadSessionBundle(id: number): Promise<void> {
  const { transferId, fileName } = await api.exportSession({ id })
  const parts: Uint8Array<ArrayBuffer>[] = []
  for (let offset = 0, done = false; !done;) {
    const chunk = await api.exportSessionChunk({ transferId, offset })
    parts.push(base64ToBytes(chunk.base64))
    offset += parts[parts.length - 1].length
    done = chunk.done
  }
  downloadBytes(fileName, new Blob(parts, { type: 'application/gzip' }), 'application/gzip')
}
