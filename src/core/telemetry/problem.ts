/** A part of the input that could not be decoded; it is reported and skipped, the rest goes on. */
export interface DecodeProblem {
  conn: string | null
  t: number | null
  /** What kind of part failed, e.g. 'http', 'chunked', 'content-encoding', 'json', 'nested', 'http2', 'limit'. */
  stage: string
  message: string
  /** Not a fault of the input but what joining a connection late implies (e.g. unknown headers): told, not counted. */
  note?: boolean
}

/** Thrown inside one decoding step; caught where the step started and turned into a DecodeProblem. */
export class Malformed extends Error {
  constructor(
    readonly stage: string,
    message: string,
    readonly note = false,
  ) {
    super(message)
    this.name = 'Malformed'
  }
}
