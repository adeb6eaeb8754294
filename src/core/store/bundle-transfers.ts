import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { bundleChunkBytes } from '../../shared/contract/sessions'
import type { Session } from '../../shared/model'
import { UserError } from '../errors'
import type { JobRunner } from '../jobs/runner'
import { readBundle } from './bundle-read'
import type { SessionStore } from './session-store'

interface Transfer {
  /** confirm: a complete import of a bundle imported before, waiting for the user to say whether to import it. */
  kind: 'export' | 'import' | 'confirm'
  /** Import: stop at a bundle imported before and ask (finishImport) rather than import a second copy. */
  ask: boolean
  file: string
  fd: number
  size: number
  /** Bytes sent (export) or received (import) so far; chunks come in order. */
  done: number
  busy: boolean
  timer: NodeJS.Timeout
}

/** A transfer nobody touched for this long is dropped with its file. */
const idleMs = 5 * 60_000
/** More transfers at once than one user makes; each holds a file descriptor and a file. */
const maxTransfers = 8

/** Rows written to a bundle (export, of the session's total) or restored from one (import) so far. */
export type TransferProgress = (p: {
  kind: 'export' | 'import'
  /** The session exported, or the import's transferId. */
  subject: string
  rows: number
  total: number | null
}) => void

/**
 * Session bundles crossing the API (the UI's export and import) in chunks through a file in the data
 * folder, so neither side holds a whole bundle and the WebSocket message limit stays small. Chunks come in
 * order; a transfer nobody continues is dropped after a few minutes. The bundle is written and restored
 * by a job (a worker thread with its own database connection), so the window stays responsive meanwhile.
 */
export class BundleTransfers {
  private readonly transfers = new Map<string, Transfer>()

  constructor(
    private readonly store: SessionStore,
    private readonly dir: string,
    private readonly jobs: JobRunner,
    private readonly onProgress: TransferProgress = () => {},
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    // Files of transfers a closed or crashed MuteScope left; a live one's file is newer than this.
    for (const f of readdirSync(dir)) {
      const path = join(dir, f)
      if (Date.now() - statSync(path).mtimeMs > 2 * idleMs) rmSync(path, { force: true })
    }
  }

  /** Writes the bundle to a transfer file; the UI then fetches it with readChunk. */
  async startExport(id: number): Promise<{ transferId: string; fileName: string; bytes: number }> {
    this.store.getSession(id)
    const [transferId, t] = this.reserve('export')
    try {
      const exported = await this.jobs.run(
        'exportBundle',
        { db: this.store.path, sessionId: id, file: t.file },
        { onProgress: (p) => this.onProgress({ kind: 'export', subject: String(id), ...p }) },
      )
      t.size = exported.bytes
      t.fd = openSync(t.file, 'r')
    } catch (err) {
      this.end(transferId)
      throw err
    }
    t.busy = false
    return { transferId, fileName: `mutescope-session-${id}.jsonl.gz`, bytes: t.size }
  }

  readChunk(transferId: string, offset: number): { base64: string; done: boolean } {
    const t = this.get(transferId, 'export', offset)
    const chunk = Buffer.alloc(Math.min(bundleChunkBytes, t.size - offset))
    const n = readSync(t.fd, chunk, 0, chunk.length, offset)
    t.done += n
    if (t.done >= t.size) this.end(transferId)
    return { base64: chunk.subarray(0, n).toString('base64'), done: t.done >= t.size }
  }

  startImport(bytes: number, ask = false): { transferId: string } {
    const [transferId, t] = this.reserve('import')
    t.fd = openSync(t.file, 'wx', 0o600)
    t.size = bytes
    t.ask = ask
    t.busy = false
    return { transferId }
  }

  /** Appends a chunk; the one that completes the bundle imports it. */
  async writeChunk(
    transferId: string,
    offset: number,
    base64: string,
  ): Promise<{ received: number; session: Session | null; duplicateOf?: { id: number; name: string } }> {
    const t = this.get(transferId, 'import', offset)
    const bytes = Buffer.from(base64, 'base64')
    if (t.done + bytes.length > t.size) {
      this.end(transferId)
      throw new UserError(`the bundle is longer than the ${t.size} bytes announced; import it again`)
    }
    writeSync(t.fd, bytes, 0, bytes.length, offset)
    t.done += bytes.length
    if (t.done < t.size) return { received: t.done, session: null }
    t.busy = true
    closeSync(t.fd)
    t.fd = -1
    const before = t.ask ? await this.importedBefore(t.file) : undefined
    if (before) {
      t.kind = 'confirm'
      t.busy = false
      return { received: t.done, session: null, duplicateOf: { id: before.id, name: before.name } }
    }
    return { received: t.done, session: await this.importFile(transferId, t) }
  }

  /** The user's answer for a bundle imported before: import a second copy, or drop it. */
  async finishImport(transferId: string, importIt: boolean): Promise<{ session: Session | null }> {
    const t = this.get(transferId, 'confirm', this.transfers.get(transferId)?.done ?? 0)
    if (!importIt) {
      this.end(transferId)
      return { session: null }
    }
    t.busy = true
    return { session: await this.importFile(transferId, t) }
  }

  private async importFile(transferId: string, t: Transfer): Promise<Session> {
    try {
      return await this.jobs.run(
        'importBundle',
        { db: this.store.path, file: t.file },
        { onProgress: (p) => this.onProgress({ kind: 'import', subject: transferId, ...p }) },
      )
    } finally {
      this.end(transferId)
    }
  }

  /** The session a bundle was imported as already, by its header; a bundle that cannot be read is left to the import to report. */
  private async importedBefore(file: string): Promise<Session | undefined> {
    try {
      for await (const item of readBundle(file)) {
        if (item.kind === 'header') return this.store.findImported(item.header.session)
        break
      }
    } catch {
      // importBundle says what is wrong with it.
    }
    return undefined
  }

  /** Drops every transfer and its file (the app is closing). */
  close(): void {
    for (const id of [...this.transfers.keys()]) this.end(id)
  }

  /** A new transfer, busy until its file is ready; counted at once, so that concurrent starts respect the cap. */
  private reserve(kind: Transfer['kind']): [string, Transfer] {
    if (this.transfers.size >= maxTransfers)
      throw new UserError(`${maxTransfers} bundle transfers are under way; wait for one to finish`)
    const transferId = randomBytes(16).toString('base64url')
    const file = join(this.dir, `${transferId}.jsonl.gz`)
    const t: Transfer = {
      kind,
      ask: false,
      file,
      fd: -1,
      size: 0,
      done: 0,
      busy: true,
      timer: this.expiry(transferId),
    }
    this.transfers.set(transferId, t)
    return [transferId, t]
  }

  private expiry(transferId: string): NodeJS.Timeout {
    return setTimeout(() => {
      const t = this.transfers.get(transferId)
      // A transfer still writing its file (a long export or import) is not idle.
      if (t?.busy) t.timer = this.expiry(transferId)
      else this.end(transferId)
    }, idleMs).unref()
  }

  private get(transferId: string, kind: Transfer['kind'], offset: number): Transfer {
    const t = this.transfers.get(transferId)
    if (!t || t.kind !== kind || t.busy)
      throw new UserError(
        `no ${kind === 'confirm' ? 'import awaiting a decision' : kind} under way with this id (it finished or expired); start it again`,
      )
    if (offset !== t.done) throw new UserError(`expected the chunk at offset ${t.done}, got ${offset}`)
    clearTimeout(t.timer)
    t.timer = this.expiry(transferId)
    return t
  }

  private end(transferId: string): void {
    const t = this.transfers.get(transferId)
    if (!t) return
    this.transfers.delete(transferId)
    clearTimeout(t.timer)
    if (t.fd >= 0) closeSync(t.fd)
    rmSync(t.file, { force: true })
  }
}
