import hpack from 'hpack.js'
import { Malformed } from './problem'

/** A decoded header field; null for a part that refers to a table entry added before this decoder began. */
export interface HeaderField {
  name: string | null
  value: string | null
}

interface Entry {
  name: string | null
  value: string
  size: number
}

const staticTable = hpack['static-table'].table
/** RFC 7541 §4.1: an entry's size counts its name, its value and 32 bytes. */
const entryOverhead = 32
/** Entries beyond this are forgotten (peers' tables hold 4 KiB unless the server allows more). */
const maxTableBytes = 65_536

/**
 * HPACK decoding (hpack.js reads the integers and Huffman-coded strings) with a dynamic table that may be
 * only partly known: when the decoder joins a connection in its middle, or after a block it could not
 * decode, entries added before are unknown, while those added since are known. Index 62 is always the
 * newest entry, and evictions only ever remove the oldest, so a reference to one of the entries added
 * since is decoded exactly and any other is unknown. Hence size updates need not be followed either: an
 * entry kept after the peer evicted it is simply never referred to.
 */
export class PartialHpack {
  /** Oldest first: the newest entry (index 62) is the last. */
  private entries: Entry[] = []
  private size = 0

  /** The table's state is lost: every entry so far becomes unknown. */
  forget(): void {
    this.entries = []
    this.size = 0
  }

  decode(block: Buffer): HeaderField[] {
    const fields: HeaderField[] = []
    if (block.length === 0) return fields
    const d = hpack.decoder.create()
    d.push(block)
    try {
      while (!d.isEmpty()) {
        // RFC 7541 §6: 1 indexed, 01 literal indexed, 001 size update, 000x literal not indexed.
        if (d.decodeBit()) {
          fields.push(this.lookup(d.decodeInt()))
          continue
        }
        const indexed = d.decodeBit() === 1
        if (!indexed) {
          if (d.decodeBit()) {
            d.decodeInt()
            continue
          }
          d.decodeBit()
        }
        const nameIndex = d.decodeInt()
        const name = nameIndex === 0 ? text(d.decodeStr()) : this.lookup(nameIndex).name
        const value = text(d.decodeStr())
        if (indexed) this.add(name, value)
        fields.push({ name, value })
      }
    } catch (err) {
      this.forget()
      throw new Malformed(
        'http2',
        `HPACK header block cannot be decoded (${(err as Error).message}); header fields that refer to earlier ones will be unknown`,
      )
    }
    return fields
  }

  private lookup(index: number): HeaderField {
    if (index === 0) throw new Error('index 0')
    if (index <= staticTable.length) return staticTable[index - 1]
    return (
      this.entries[this.entries.length - 1 - (index - staticTable.length - 1)] ?? { name: null, value: null }
    )
  }

  private add(name: string | null, value: string): void {
    // An unknown name's length is unknown too: the size is a lower bound, which only matters for the memory bound.
    const size = (name?.length ?? 0) + value.length + entryOverhead
    this.entries.push({ name, value, size })
    this.size += size
    while (this.size > maxTableBytes) this.size -= this.entries.shift()!.size
  }
}

/** Header text as bytes (HPACK strings are octets; latin1 keeps each one a character). */
function text(s: Buffer | number[]): string {
  return Buffer.from(s).toString('latin1')
}
