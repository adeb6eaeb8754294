import { expect } from 'vitest'
import type { Received } from './tls-lab'

/** Every request in `sent` is in the captured plaintext `out`: its request line and its body. */
export function expectCaptured(out: string, sent: Received[]): void {
  expect(sent.length).toBeGreaterThan(0)
  for (const r of sent) {
    expect(out).toContain(`POST ${r.url} HTTP/1.1\r\n`)
    expect(out).toContain(r.body.toString())
  }
}
