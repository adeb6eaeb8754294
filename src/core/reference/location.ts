import { join, resolve } from 'node:path'
import { dataDir } from '../paths'

/**
 * Where `mutescope data fetch` keeps the reference data, laid out as the shared copy is (authors-artifact/,
 * paper-gains/, webex-telemetry/packets.jsonl): MUTESCOPE_REFERENCE_DATA, else reference/ in the data folder.
 */
export function referenceDir(): string {
  const fromEnv = process.env.MUTESCOPE_REFERENCE_DATA
  return fromEnv && fromEnv.length > 0 ? resolve(fromEnv) : join(dataDir(), 'reference')
}

/** The authors' files, under the paths they have in their repository. */
export const artifactFolder = 'authors-artifact'
/** The per-minute gains of Sec. 5.3 (the authors' BgActivityClassifier/ParseSourceData/*.txt). */
export const paperGainsFolder = 'paper-gains'
/** The telemetry requests derived from the authors' x64dbg log. */
export const packetsFile = join('webex-telemetry', 'packets.jsonl')
/** Written last by a fetch: what was fetched, from where. */
export const fetchRecordFile = 'fetched.json'
