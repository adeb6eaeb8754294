/** A buffer of a hex-dump log and the line its dump began on. */
export interface DumpedBuffer {
  line: number
  data: Buffer
}

export interface HexDump {
  buffers: DumpedBuffer[]
  /** Dump lines that did not continue their buffer (a gap in the offsets): the buffer was cut there. */
  gaps: { line: number; message: string }[]
}

/** "0000  50 4F 53 54 ...  POST": an offset (optionally 0x-prefixed, colon-terminated), then byte pairs. */
const dumpLine = /^\s*(?:0x)?([0-9a-fA-F]{4,16}):?\s+([0-9a-fA-F]{2}(?:\s{1,2}[0-9a-fA-F]{2})*)/

/**
 * The buffers of an API Monitor log, as its Hex Buffer pane copies or exports them: lines of an offset, up to
 * 16 bytes in hex (a wider gap after the eighth is allowed) and their ASCII rendering. A buffer starts at
 * offset 0; the lines between dumps (the monitored calls, their parameters) are passed over. How many bytes
 * a line holds is told by the next line's offset, so an ASCII column that happens to look like hex is not
 * read as bytes; a buffer's last line is read up to 16 pairs.
 */
export function apiMonitorBuffers(text: string): HexDump {
  const lines = text.split('\n')
  const parsed = lines.map((l) => {
    const m = dumpLine.exec(l)
    return m ? { offset: parseInt(m[1], 16), bytes: m[2].split(/\s+/).slice(0, 16) } : null
  })
  const buffers: DumpedBuffer[] = []
  const gaps: HexDump['gaps'] = []
  let current: { line: number; parts: string[]; size: number } | null = null
  const close = () => {
    if (current) buffers.push({ line: current.line, data: Buffer.from(current.parts.join(''), 'hex') })
    current = null
  }
  parsed.forEach((p, i) => {
    if (!p) return
    if (p.offset === 0) {
      close()
      current = { line: i + 1, parts: [], size: 0 }
    } else if (!current || p.offset !== current.size) {
      if (current)
        gaps.push({
          line: i + 1,
          message: `offset ${p.offset.toString(16)} does not follow the ${current.size} bytes before it; the buffer of line ${current.line} ends there`,
        })
      close()
      return
    }
    const next = parsed[i + 1]
    const count = next && next.offset > p.offset ? Math.min(next.offset - p.offset, 16) : 16
    const bytes = p.bytes.slice(0, count)
    current!.parts.push(bytes.join(''))
    current!.size += bytes.length
  })
  close()
  return { buffers, gaps }
}
