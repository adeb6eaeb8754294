// The part of hpack.js (which ships no types) that the HTTP/2 reassembler and its tests use.
declare module 'hpack.js' {
  /** Reads HPACK's primitives (RFC 7541 §5) from the blocks pushed: bits, prefixed integers, strings. */
  interface Decoder {
    push(block: Buffer): void
    isEmpty(): boolean
    decodeBit(): 0 | 1
    /** An integer whose prefix is the rest of the current octet. */
    decodeInt(): number
    /** A string literal: its octets, Huffman-decoded when so coded. */
    decodeStr(): Buffer | number[]
  }
  /** Encodes header lists into blocks, indexing every field in its dynamic table. */
  interface Compressor {
    write(headers: { name: string; value: string }[]): void
    read(): Buffer | null
  }
  const hpack: {
    decoder: { create(): Decoder }
    compressor: { create(options: { table: { maxSize: number } }): Compressor }
    'static-table': { table: { name: string; value: string }[] }
  }
  export default hpack
}
