/**
 * Finding HTTP/2 frame boundaries without the connection preface: a capture that attaches to a running app
 * starts inside a long-lived connection, often in the middle of a frame. A frame header is 9 bytes (24-bit
 * length, type, flags, reserved bit + 31-bit stream id) and almost no 9 bytes of anything else pass its
 * rules; a few headers that line up back to back settle it.
 */

export const frameHeaderBytes = 9

export const enum FrameType {
  Data = 0,
  Headers = 1,
  Priority = 2,
  RstStream = 3,
  Settings = 4,
  PushPromise = 5,
  Ping = 6,
  Goaway = 7,
  WindowUpdate = 8,
  Continuation = 9,
  PriorityUpdate = 0x10,
}

export const enum Flag {
  EndStream = 0x1,
  EndHeaders = 0x4,
  Padded = 0x8,
  Priority = 0x20,
}

export interface FrameHeader {
  length: number
  type: number
  flags: number
  /** The stream id, or -1 when the reserved bit is set (which no sender may do). */
  stream: number
}

/**
 * SETTINGS_MAX_FRAME_SIZE's initial value: clients send larger frames only to servers that raised it,
 * which few do. Frames up to the protocol's 16 MiB are decoded once in step; only the search is bounded,
 * so that it never waits on (and buffers) a length read from bytes that are not a header.
 */
const resyncMaxFrame = 16_384

interface Rule {
  /** Flags defined for the type; senders leave all others unset (RFC 9113 §4.1). */
  flags: number
  /** Whether the frame belongs to a stream (id > 0), to the connection (id 0), or to either. */
  stream: 'stream' | 'connection' | 'either'
  length: (n: number, flags: number) => boolean
}

/** SETTINGS' and PING's only flag, the same bit as END_STREAM. */
const ack = 0x1
const any = () => true
/** Frames whose payload is not a request's: never near SETTINGS_MAX_FRAME_SIZE's initial value. */
const small = (n: number) => n <= resyncMaxFrame
const rules = new Map<number, Rule>([
  [
    FrameType.Data,
    { flags: Flag.EndStream | Flag.Padded, stream: 'stream', length: (n, f) => padFits(n, f, 0) },
  ],
  [
    FrameType.Headers,
    {
      flags: Flag.EndStream | Flag.EndHeaders | Flag.Padded | Flag.Priority,
      stream: 'stream',
      length: (n, f) => padFits(n, f, f & Flag.Priority ? 5 : 0),
    },
  ],
  [FrameType.Priority, { flags: 0, stream: 'stream', length: (n) => n === 5 }],
  [FrameType.RstStream, { flags: 0, stream: 'stream', length: (n) => n === 4 }],
  [
    FrameType.Settings,
    {
      flags: ack,
      stream: 'connection',
      length: (n, f) => (f & ack ? n === 0 : n % 6 === 0 && small(n)),
    },
  ],
  [
    FrameType.PushPromise,
    { flags: Flag.EndHeaders | Flag.Padded, stream: 'stream', length: (n, f) => padFits(n, f, 4) },
  ],
  [FrameType.Ping, { flags: ack, stream: 'connection', length: (n) => n === 8 }],
  [FrameType.Goaway, { flags: 0, stream: 'connection', length: (n) => n >= 8 && small(n) }],
  [FrameType.WindowUpdate, { flags: 0, stream: 'either', length: (n) => n === 4 }],
  [FrameType.Continuation, { flags: Flag.EndHeaders, stream: 'stream', length: any }],
  // RFC 9218, sent by browsers in place of PRIORITY.
  [FrameType.PriorityUpdate, { flags: 0, stream: 'connection', length: (n) => n >= 4 && small(n) }],
])

/** A padded frame holds its pad-length byte and any fixed fields besides. */
function padFits(n: number, flags: number, fixed: number): boolean {
  return n >= fixed + (flags & Flag.Padded ? 1 : 0)
}

export function readHeader(b: Buffer, at: number): FrameHeader {
  const id = b.readUInt32BE(at + 5)
  return { length: b.readUIntBE(at, 3), type: b[at + 3], flags: b[at + 4], stream: id >>> 31 ? -1 : id }
}

/**
 * 'valid' for a header a sender could write for a known type; 'extension' for an unknown type (legal, and
 * skipped, but no evidence of a frame boundary); 'invalid' otherwise. Only request frames (DATA, header
 * blocks) may be longer than SETTINGS_MAX_FRAME_SIZE's initial value, so that a header read from bytes
 * that are not one (after a gap in the capture) is rarely taken for a long frame that swallows the rest.
 */
export function checkHeader(h: FrameHeader): 'valid' | 'extension' | 'invalid' {
  if (h.stream < 0) return 'invalid'
  const rule = rules.get(h.type)
  if (!rule) return small(h.length) ? 'extension' : 'invalid'
  const streamOk = rule.stream === 'either' || (rule.stream === 'stream') === h.stream > 0
  return streamOk && (h.flags & ~rule.flags) === 0 && rule.length(h.length, h.flags) ? 'valid' : 'invalid'
}

/**
 * Whether a frame may come next: a header block still open (`block`: its stream) goes on in CONTINUATION
 * frames right away; a CONTINUATION with no block open can only end a block that was lost (`blockLost`:
 * begun before the bytes at hand, or undecodable).
 */
export function follows(h: FrameHeader, block: number | null, blockLost: boolean): boolean {
  if (block !== null) return h.type === FrameType.Continuation && h.stream === block
  return h.type !== FrameType.Continuation || blockLost
}

/** Whether a header block goes on in CONTINUATION frames after this frame. */
function opensBlock(h: FrameHeader): boolean {
  return (
    (h.type === FrameType.Headers || h.type === FrameType.PushPromise || h.type === FrameType.Continuation) &&
    (h.flags & Flag.EndHeaders) === 0
  )
}

/** Headers in a row that settle a frame boundary (each passes by chance about once in a million). */
const confirmFrames = 3
/** The most bytes a search can need past a candidate offset before it is settled. */
export const maxChainBytes = (confirmFrames - 1) * (frameHeaderBytes + resyncMaxFrame) + frameHeaderBytes

/**
 * How the frames that would follow a frame boundary at `at` line up: 'yes' after `confirmFrames` valid
 * headers back to back, or two ending exactly where the bytes end (clients write whole frames, so the end
 * of a write is a boundary); 'no' when one does not pass; 'more' when the bytes end before either.
 * At the end of the input (`final`), two that line up up to the end suffice.
 */
function chainAt(b: Buffer, at: number, final: boolean): 'yes' | 'no' | 'more' {
  let o = at
  let frames = 0
  /** The stream whose header block the next frame must continue. */
  let block: number | null = null
  for (;;) {
    if (o === b.length && frames >= 2) return 'yes'
    if (o + frameHeaderBytes > b.length) return final && frames >= 2 ? 'yes' : final ? 'no' : 'more'
    const h = readHeader(b, o)
    // Only the first frame may end a block begun before.
    if (h.length > resyncMaxFrame || checkHeader(h) !== 'valid' || !follows(h, block, frames === 0))
      return 'no'
    if (++frames === confirmFrames) return 'yes'
    block = opensBlock(h) ? h.stream : null
    o += frameHeaderBytes + h.length
  }
}

export interface SyncSearch {
  /** Where frames line up, or null. */
  at: number | null
  /** Offsets before this are ruled out: the next search (with more bytes) starts here. */
  resume: number
}

/** The first frame boundary at or after `from` (see chainAt); `final` when no more bytes will come. */
export function findFrameSync(b: Buffer, from: number, final: boolean): SyncSearch {
  for (let i = from; i < b.length; i++) {
    // Lengths over resyncMaxFrame start with a non-zero byte: most offsets end here.
    if (b[i] !== 0) continue
    const verdict = chainAt(b, i, final)
    if (verdict === 'yes') return { at: i, resume: i }
    if (verdict === 'more') return { at: null, resume: i }
  }
  return { at: null, resume: b.length }
}
