import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { UserError } from '../errors'
import { resourcePath } from '../paths'

/** A relative path of plain names: no leading dot in any part, so never `..`, never absolute. */
const relativePath = z.string().regex(/^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/){0,8}[A-Za-z0-9_-][A-Za-z0-9_.-]*$/)

const manifestSchema = z
  .object({
    repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    files: z
      .array(
        z
          .object({
            path: relativePath,
            bytes: z
              .number()
              .int()
              .positive()
              .max(64 * 1024 ** 2),
            sha256: z.string().regex(/^[0-9a-f]{64}$/),
          })
          .strict(),
      )
      .min(1)
      .max(100),
  })
  .strict()

/** The authors' files MuteScope derives its reference data from, pinned to one commit with sizes and sums. */
export type ArtifactManifest = z.infer<typeof manifestSchema>
export type ArtifactFile = ArtifactManifest['files'][number]

/** Shipped in resources/reference/authors-artifact.json; the files themselves are not (no licence to). */
export function loadManifest(file = resourcePath('reference', 'authors-artifact.json')): ArtifactManifest {
  return manifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')))
}

/**
 * Where the files are downloaded from: the raw addresses of the repository at the pinned commit, or
 * MUTESCOPE_REFERENCE_URL (a mirror holding the same paths).
 */
export function artifactBaseUrl(m: ArtifactManifest): URL {
  const fromEnv = process.env.MUTESCOPE_REFERENCE_URL
  if (!fromEnv) return new URL(`https://raw.githubusercontent.com/${m.repository}/${m.commit}/`)
  const text = fromEnv.endsWith('/') ? fromEnv : `${fromEnv}/`
  const url = URL.canParse(text) ? new URL(text) : null
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new UserError(
      `MUTESCOPE_REFERENCE_URL must be an http(s) address of a folder holding the authors' files, got "${fromEnv}"`,
    )
  return url
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Why `bytes` are not the pinned file, or null when they are. */
export function mismatch(f: ArtifactFile, bytes: Uint8Array): string | null {
  if (bytes.length !== f.bytes) return `it is ${bytes.length} bytes, not the ${f.bytes} pinned`
  const sum = sha256(bytes)
  return sum === f.sha256 ? null : `its SHA-256 is ${sum}, not the ${f.sha256} pinned`
}

/** The authors' x64dbg log of Webex's encryption calls while muted: the telemetry packets come from it. */
export const x64dbgLogPath = 'datasets/data_example2/example_xdbg_log.txt'

/** The authors' per-minute gains (Sec. 5.3), the files the classifier reads. */
export function paperGainsFiles(m: ArtifactManifest): ArtifactFile[] {
  return m.files.filter((f) => /^BgActivityClassifier\/ParseSourceData\/[^/]+\.txt$/.test(f.path))
}
