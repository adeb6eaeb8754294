import type { Capture, CaptureLine } from '../../shared/model'

/** The exported JSON-lines form of a capture: `{t, conn, fn, module, dir, peer, pid, data}`, data in base64. */
export function toCaptureLine(c: Capture): CaptureLine {
  return {
    t: c.t,
    conn: c.conn,
    fn: c.fn,
    module: c.module,
    dir: c.dir,
    peer: c.peer,
    pid: c.pid,
    data: Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength).toString('base64'),
  }
}
