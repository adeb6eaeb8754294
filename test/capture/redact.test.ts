import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultRedactions, parseRedactions, redactor } from '../../src/core/capture/redact'
import { UserError } from '../../src/core/errors'
import { SessionStore } from '../../src/core/store/session-store'
import { runCli, tempDir } from '../support/helpers'
import { outbound, startCapture, startProcess } from './tls-lab'
import { httpsLab } from './https-lab'

const stars = (value: string) => '*'.repeat(value.length)
const mask = (patterns: string[], text: string) =>
  Buffer.from(redactor(patterns)(new Uint8Array(Buffer.from(text, 'latin1')))).toString('latin1')

describe('redaction of captured plaintext', () => {
  it('masks header values, JSON members and parameters by default, keeping every length', () => {
    const request =
      'POST /v1/report?access_token=abc123&x=1 HTTP/1.1\r\n' +
      'Host: api.example\r\n' +
      'Authorization: Bearer eyJhbGciOi.secret\r\n' +
      'cookie: sid=s3cr3t; theme=dark\r\n' +
      'Content-Length: 44\r\n\r\n' +
      '{"Authorization": "Bearer x\\"y", "ok": 1}'
    const out = mask(defaultRedactions, request)
    expect(out).toHaveLength(request.length)
    expect(out).toBe(
      'POST /v1/report?access_token=******&x=1 HTTP/1.1\r\n' +
        'Host: api.example\r\n' +
        `Authorization: ${stars('Bearer eyJhbGciOi.secret')}\r\n` +
        `cookie: ${stars('sid=s3cr3t; theme=dark')}\r\n` +
        'Content-Length: 44\r\n\r\n' +
        '{"Authorization": "***********", "ok": 1}',
    )
    expect(mask(defaultRedactions, 'HTTP/1.1 200 OK\r\nSet-Cookie: a=b\r\n\r\n')).toBe(
      'HTTP/1.1 200 OK\r\nSet-Cookie: ***\r\n\r\n',
    )
    // Bytes that hold nothing to mask are handed back as they are.
    const binary = new Uint8Array([0, 1, 2, 255])
    expect(redactor(defaultRedactions)(binary)).toBe(binary)
  })

  it('takes a list of header names and name= parameters, refusing anything else', () => {
    expect(parseRedactions('X-Api-Key, session=')).toEqual(['X-Api-Key', 'session='])
    expect(mask(['X-Api-Key', 'session='], 'X-Api-Key: k\r\nA: session=v&w')).toBe(
      'X-Api-Key: *\r\nA: session=*&w',
    )
    for (const bad of ['', ',', 'a b', 'x=y', 'a(b)']) expect(() => parseRedactions(bad)).toThrow(UserError)
  })

  describe('capture --redact, with curl posting to a local HTTPS server through real Frida', () => {
    const lab = httpsLab()

    it('stores, prints and writes to --raw (owner-only) the captures with their secrets masked', async () => {
      const secret = 'S3CRET-4c1e9'
      const urls = Array.from({ length: 100 }, (_, i) => `${lab.server.url}/r/${i}?token=${secret}`)
      const curl = startProcess('curl', [
        ...['--http1.1', '-s', '-o', '/dev/null', '--cacert', lab.cert.cert, '--rate', '5/s'],
        ...['-H', `Authorization: Bearer ${secret}`, '-H', `Cookie: sid=${secret}`, '-d', 'body=1', ...urls],
      ])
      lab.started.push(curl)
      await lab.server.waitFor(lab.server.received.length + 1)
      const dataDir = tempDir()
      const raw = join(dataDir, 'raw.jsonl')
      const cap = startCapture(['--pid', String(curl.pid), '--raw', raw, '--redact'], dataDir)
      await cap.attached()
      await lab.server.waitFor(lab.server.received.length + 3)
      expect(await cap.stop()).toBe(0)

      const printed = outbound(cap.captures())
      expect(printed).toContain(`Authorization: ${'*'.repeat(`Bearer ${secret}`.length)}\r\n`)
      expect(printed).toContain(`?token=${'*'.repeat(secret.length)} HTTP/1.1`)
      expect(printed).not.toContain(secret)
      expect(readFileSync(raw, 'latin1')).not.toContain(Buffer.from(secret).toString('base64').slice(0, 8))
      expect(statSync(raw).mode & 0o777).toBe(0o600)
      const store = SessionStore.open({ dir: dataDir })
      try {
        const stored = store
          .captures(cap.sessionId())
          .map((c) => Buffer.from(c.data).toString('latin1'))
          .join('')
        expect(stored).toContain('Cookie: ')
        expect(stored).not.toContain(secret)
      } finally {
        store.close()
      }
      // The stored database file holds no trace either.
      expect(readFileSync(join(dataDir, 'mutescope.db')).includes(secret)).toBe(false)
    })

    it('refuses a malformed list before attaching', () => {
      const r = runCli(['capture', '--pid', '1', '--redact', 'a b'], { dataDir: tempDir() })
      expect(r.status).not.toBe(0)
      expect(r.stderr).toMatch(/--redact takes header names and "name=" parameters/)
    })
  })
})
