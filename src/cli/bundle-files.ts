import { closeSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { cannotWrite, UserError } from '../core/errors'
import { openBundleFile } from '../core/store/bundle-read'
import { bundleChunkBytes } from '../shared/contract/sessions'
import type { Session } from '../shared/model'
import type { Call } from './dispatch'

/** Runs a step that writes `file`, turning a failure into the message that names the file and the fix. */
function writing<T>(file: string, step: () => T): T {
  try {
    return step()
  } catch (err) {
    throw cannotWrite(file, err)
  }
}

/**
 * Writes session `id`'s bundle to `file` (mode 0600: it holds captured plaintext), fetched a chunk at a time
 * as the UI fetches it. It is written beside `file` and renamed into place when complete, so a failed export
 * leaves no half-written file. Returns its size in bytes.
 */
export async function exportToFile(call: Call, id: number, file: string): Promise<number> {
  const partial = `${file}.${process.pid}.partial`
  const fd = writing(file, () => openSync(partial, 'w', 0o600))
  try {
    let bytes: number
    try {
      const started = await call('exportSession', { id })
      bytes = started.bytes
      for (let offset = 0, done = false; !done; ) {
        const chunk = await call('exportSessionChunk', { transferId: started.transferId, offset })
        const data = Buffer.from(chunk.base64, 'base64')
        writing(file, () => writeFileSync(fd, data))
        offset += data.length
        done = chunk.done
      }
    } finally {
      // Closed before the rename or the removal, which Windows refuses for an open file.
      closeSync(fd)
    }
    writing(file, () => renameSync(partial, file))
    return bytes
  } catch (err) {
    rmSync(partial, { force: true })
    throw err
  }
}

/** Restores a bundle file as a new session, sent a chunk at a time as the UI sends one. */
export async function importFromFile(call: Call, file: string): Promise<Session> {
  const { fd, size } = openBundleFile(file)
  try {
    // An empty file goes as one empty chunk, and the import says it is no bundle.
    const { transferId } = await call('importSession', { bytes: size })
    const chunk = Buffer.alloc(Math.min(bundleChunkBytes, size))
    for (let offset = 0; ; ) {
      const n = readSync(fd, chunk, 0, chunk.length, offset)
      const r = await call('importSessionChunk', { transferId, offset, base64: chunk.toString('base64', 0, n) })
      if (r.session) return r.session
      if (n === 0) throw new UserError(`${file} became shorter while it was read; import it again`)
      offset += n
    }
  } finally {
    closeSync(fd)
  }
}
