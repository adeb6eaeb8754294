// The part of hpack.js (which ships no types) that the HTTP/2 reassembler uses.
declare module 'hpack.js' {
  interface HeaderField {
    name: string
    value: string
    neverIndex: boolean
  }
  interface Decompressor {
    write(block: Buffer): boolean
    execute(cb?: (err: Error | null) => void): void
    read(): HeaderField | null
  }
  const hpack: { decompressor: { create(options: { table: { maxSize: number } }): Decompressor } }
  export default hpack
}
