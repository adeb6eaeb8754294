/** One HTTP message reassembled from a connection, before its body is interpreted. */
export interface HttpMessage {
  kind: 'request' | 'response'
  /** Request method, or '' for responses. */
  method: string
  /** Request target as sent (path and query), or '' for responses. */
  target: string
  /** Lower-case names; repeated headers joined with ', '. HTTP/2 pseudo-headers keep their colon. */
  headers: Map<string, string>
  /** Body after transfer decoding (chunks joined), before Content-Encoding is undone. */
  body: Buffer
  /** True for a request line followed directly by its body, as in logs that dropped the headers. */
  headerless: boolean
  /**
   * HTTP/2 joined mid-connection: some header fields referred to what was sent before the capture began
   * (HPACK's dynamic table), so a header missing here may have been sent; an empty method or target is unknown.
   */
  partialHeaders?: boolean
}

export function addHeader(headers: Map<string, string>, name: string, value: string): void {
  const key = name.toLowerCase()
  const prev = headers.get(key)
  headers.set(key, prev === undefined ? value : `${prev}, ${value}`)
}
