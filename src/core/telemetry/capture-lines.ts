import { captureLine } from '../../shared/model'
import type { TelemetryDecoder } from './decoder'

/**
 * Feeds exported capture JSON lines to a decoder. A line that is not a valid capture is reported as a
 * problem (with its line number) and skipped.
 */
export function decodeCaptureText(text: string, decoder: TelemetryDecoder, firstLine = 1): void {
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '') continue
    const problem = (message: string) =>
      decoder.emit('problem', {
        conn: null,
        t: null,
        stage: 'capture-line',
        message: `line ${firstLine + i}: ${message}`,
      })
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch (err) {
      problem(`not JSON (${(err as Error).message})`)
      continue
    }
    const c = captureLine.safeParse(parsed)
    if (!c.success) {
      problem(
        `not a capture {t, conn, fn, module, dir, peer, data}: ${c.error.issues[0].path.join('.')} ${c.error.issues[0].message}`,
      )
      continue
    }
    decoder.push({ ...c.data, data: Buffer.from(c.data.data, 'base64') })
  }
}
