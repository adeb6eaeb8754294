import { readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { loadManifest, mismatch, paperGainsFiles } from './artifact'
import { artifactFolder, packetsFile, paperGainsFolder } from './location'

/**
 * What keeps `dir` from being the fetched reference data, one line each (empty when it is): each of the
 * authors' files must be the pinned one, and what a fetch derives from them must be there.
 */
export function referenceProblems(dir: string): string[] {
  const manifest = loadManifest()
  const size = (path: string) => {
    try {
      const st = statSync(join(dir, path))
      return st.isFile() ? st.size : null
    } catch {
      return null
    }
  }
  const problems: string[] = []
  for (const f of manifest.files) {
    const path = join(artifactFolder, f.path)
    const bytes = size(path)
    if (bytes === null) problems.push(`${path} is missing`)
    else if (bytes !== f.bytes) problems.push(`${path} is ${bytes} bytes, not the ${f.bytes} pinned`)
    else {
      const wrong = mismatch(f, readFileSync(join(dir, path)))
      if (wrong) problems.push(`${path}: ${wrong}`)
    }
  }
  const derived = [
    ...paperGainsFiles(manifest).map((f) => join(paperGainsFolder, basename(f.path))),
    packetsFile,
  ]
  for (const path of derived) if (size(path) === null) problems.push(`${path} is missing`)
  return problems
}
