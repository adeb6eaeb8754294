import type { CaptureView } from '../../shared/contract/experiment'
import type { Capture } from '../../shared/model'
import { toCaptureLine } from '../capture/capture-line'
import { decodeBytes, loadProfile, type Profile } from '../telemetry'

/** Bytes of a capture shown in the inspector's hex view. */
const headBytes = 4096

let generic: Profile | undefined

/**
 * A capture as the raw-capture inspector shows it: its first bytes for the hex view, and what the generic
 * profile decodes from it (every numeric leaf of its nested bodies, by JSON path) with its first line.
 */
export function captureView(c: Capture, index: number): CaptureView {
  generic ??= loadProfile('generic')
  const bytes = Buffer.from(c.data)
  const firstLine = bytes.subarray(0, 512).toString('latin1').split(/\r?\n/, 1)[0]
  const { records, problems } = decodeBytes(bytes, generic, { t: c.t, conn: c.conn })
  const { data: head, ...meta } = toCaptureLine({ ...c, data: c.data.subarray(0, headBytes) })
  return {
    index,
    ...meta,
    size: c.data.length,
    head,
    decoded: {
      firstLine,
      fields: records.map((r) => ({ host: r.host, path: r.path, ...r.fields })),
      problems: problems.map((p) => p.message),
    },
  }
}
