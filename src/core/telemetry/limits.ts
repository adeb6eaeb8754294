/**
 * Bounds that keep hostile or broken input from costing unbounded time or memory. Every decoder stage
 * checks them and reports a problem instead of throwing when one is hit.
 */
export interface DecodeLimits {
  /** Largest HTTP head (request line + headers) kept while waiting for its end. */
  maxHeaderBytes: number
  /** Largest body (after transfer decoding) that is buffered; larger ones are skipped. */
  maxBodyBytes: number
  /** Largest result of any one decompression (Content-Encoding or nested). */
  maxDecodedBytes: number
  /** Largest decompressed/compressed ratio accepted; gzip'ed JSON rarely exceeds 30, bombs reach 1000+. */
  maxExpansionRatio: number
  /** How many nested encodings (base64 → gzip → JSON → base64 ...) are followed. */
  maxNestingDepth: number
  /** Deepest JSON structure accepted; deeper ones are reported and skipped. */
  maxJsonDepth: number
  /** Most numeric leaves the generic profile reports per message. */
  maxLeaves: number
}

export const defaultLimits: DecodeLimits = {
  maxHeaderBytes: 64 * 1024,
  maxBodyBytes: 32 * 1024 * 1024,
  maxDecodedBytes: 32 * 1024 * 1024,
  maxExpansionRatio: 200,
  maxNestingDepth: 8,
  maxJsonDepth: 256,
  maxLeaves: 10_000,
}
