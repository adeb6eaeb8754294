/** Bytes received but not yet consumed, kept as a list so large frames arriving in small writes cost O(n). */
export class ByteQueue {
  private parts: Buffer[] = []
  length = 0

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    this.parts.push(Buffer.from(chunk))
    this.length += chunk.length
  }

  /** The first n bytes (n ≤ length) without consuming them. */
  peek(n: number): Buffer {
    if (this.parts[0].length < n) this.parts = [Buffer.concat(this.parts)]
    return this.parts[0].subarray(0, n)
  }

  take(n: number): Buffer {
    const out = this.peek(n)
    const head = this.parts[0]
    if (head.length === n) this.parts.shift()
    else this.parts[0] = head.subarray(n)
    this.length -= n
    return out
  }
}
