import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { errorMessage, UserError } from '../errors'
import { openRegularFile } from '../regular-file'
import {
  type ArtifactFile,
  artifactBaseUrl,
  loadManifest,
  mismatch,
  paperGainsFiles,
  x64dbgLogPath,
} from './artifact'
import { artifactFolder, fetchRecordFile, packetsFile, paperGainsFolder, referenceDir } from './location'
import { derivePackets, formatPackets } from './packets'

export interface FetchOptions {
  /** A folder holding the authors' files under their repository paths; without it they are downloaded. */
  from?: string
  /** Where the reference data goes; referenceDir() by default. */
  dir?: string
  /** Bound on each download, start to last byte. */
  timeoutMs?: number
}

export interface FetchResult {
  /** The authors' files taken, and how many of them matched their pinned size and SHA-256 (all, or none stored). */
  files: number
  verified: number
  /** Telemetry requests derived from the x64dbg log. */
  packets: number
  dir: string
}

/**
 * Takes the authors' files (downloaded at the pinned commit, or copied from `from`), refuses any that is not
 * byte for byte the pinned one, derives the telemetry packets and the classifier's folder from them, and puts
 * the whole folder in place at once: a fetch that fails leaves the previous reference data as it was.
 */
export async function fetchReference(opts: FetchOptions = {}): Promise<FetchResult> {
  const manifest = loadManifest()
  const dir = resolve(opts.dir ?? referenceDir())
  assertOurs(dir)
  const from = opts.from === undefined ? null : resolve(opts.from)
  const base = from === null ? artifactBaseUrl(manifest) : null
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 })
  const staging = mkdtempSync(join(dirname(dir), `.${basename(dir)}-fetching-`))
  try {
    const taken = new Map<string, Buffer>()
    for (const f of manifest.files) {
      const bytes =
        from !== null ? readCopy(from, f) : await download(new URL(f.path, base!), f, opts.timeoutMs)
      const wrong = mismatch(f, bytes)
      if (wrong)
        throw new UserError(
          `${f.path} ${from !== null ? `in ${from}` : `from ${new URL(f.path, base!).href}`} is not the authors' ` +
            `file at commit ${manifest.commit.slice(0, 12)}: ${wrong}; ` +
            (from !== null
              ? "the copy was altered or is incomplete: take the files again from the authors' repository"
              : 'the download was altered on its way: try again, or fetch from a verified copy with --from DIR'),
        )
      put(staging, join(artifactFolder, f.path), bytes)
      taken.set(f.path, bytes)
    }
    for (const f of paperGainsFiles(manifest))
      put(staging, join(paperGainsFolder, basename(f.path)), taken.get(f.path)!)
    const log = taken.get(x64dbgLogPath)
    if (!log) throw new Error(`the shipped manifest lists no ${x64dbgLogPath}`)
    const packets = derivePackets(log, basename(x64dbgLogPath))
    put(staging, packetsFile, formatPackets(packets))
    const record = {
      repository: manifest.repository,
      commit: manifest.commit,
      source: from ?? base!.href,
      files: manifest.files.length,
      packets: packets.length,
    }
    put(staging, fetchRecordFile, JSON.stringify(record, null, 2) + '\n')
    swapIn(staging, dir)
    return { files: taken.size, verified: taken.size, packets: packets.length, dir }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true })
    throw err
  }
}

/** A fetch replaces only a folder an earlier fetch made (or an empty one), never someone's own files. */
function assertOurs(dir: string): void {
  if (!existsSync(dir)) return
  const st = lstatSync(dir)
  if (st.isDirectory() && (existsSync(join(dir, fetchRecordFile)) || readdirSync(dir).length === 0)) return
  throw new UserError(
    `${dir} exists and was not made by "mutescope data fetch"; point MUTESCOPE_REFERENCE_DATA at a new folder, ` +
      'or move that one away',
  )
}

function readCopy(from: string, f: ArtifactFile): Buffer {
  const { fd } = openRegularFile(join(from, f.path), {
    what: 'reference file',
    fix: `--from takes a folder holding the authors' files under their repository paths (${f.path})`,
    maxBytes: f.bytes,
  })
  try {
    return readFileSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Downloads one file, reading no more than its pinned size and waiting no longer than `timeoutMs`. */
async function download(url: URL, f: ArtifactFile, timeoutMs = 120_000): Promise<Buffer> {
  const fix = 'check the connection, or fetch from an offline copy with --from DIR'
  const signal = AbortSignal.timeout(timeoutMs)
  const tooLarge = () =>
    new UserError(
      `cannot download ${f.path}: ${url.href} sends more than the ${f.bytes} bytes pinned; ${fix}`,
    )
  try {
    const res = await fetch(url, { signal })
    if (!res.ok || !res.body) {
      await res.body?.cancel()
      throw new UserError(
        `cannot download ${f.path}: ${url.href} answered ${res.status} ${res.statusText}; ${fix}`,
      )
    }
    if (Number(res.headers.get('content-length')) > f.bytes) {
      await res.body.cancel()
      throw tooLarge()
    }
    const parts: Uint8Array[] = []
    let size = 0
    // Leaving the loop early cancels the body.
    for await (const chunk of res.body) {
      size += chunk.length
      if (size > f.bytes) throw tooLarge()
      parts.push(chunk)
    }
    return Buffer.concat(parts)
  } catch (err) {
    if (err instanceof UserError) throw err
    const why = signal.aborted
      ? `no complete answer within ${timeoutMs / 1000} s`
      : errorMessage((err as { cause?: unknown }).cause ?? err)
    throw new UserError(`cannot download ${f.path} from ${url.href}: ${why}; ${fix}`)
  }
}

function put(root: string, path: string, data: Uint8Array | string): void {
  const file = join(root, path)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, data)
}

/** Puts `staging` where `dir` is, removing the earlier fetch only once the new one is in place. */
function swapIn(staging: string, dir: string): void {
  const old = existsSync(dir) ? `${staging}-old` : null
  if (old) renameSync(dir, old)
  try {
    renameSync(staging, dir)
  } catch (err) {
    if (old) renameSync(old, dir)
    throw err
  }
  if (old) rmSync(old, { recursive: true, force: true })
}
