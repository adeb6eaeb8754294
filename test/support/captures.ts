import type { Capture } from '../../src/shared/model'

/** A capture carrying `data`, with plain values for every other field unless `over` gives them. */
export function captureOf(data: Uint8Array | string, over: Partial<Capture> = {}): Capture {
  return {
    t: 1,
    conn: 'c',
    fn: 'SSL_write',
    module: 'm',
    dir: 'out',
    peer: null,
    thread: null,
    pid: null,
    data: typeof data === 'string' ? new Uint8Array(Buffer.from(data)) : data,
    ...over,
  }
}
