import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadTlsPatterns } from '../../src/core/capture/tls-patterns'
import { UserError } from '../../src/core/errors'
import { resourcePath } from '../../src/core/paths'
import { tempDir } from '../support/helpers'

const builtin = resourcePath('tls-patterns')

function userDir(files: Record<string, unknown>): string {
  const dir = join(tempDir(), 'tls-patterns')
  mkdirSync(dir)
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content))
  return dir
}

const valid = {
  library: 'mylib',
  group: 'openssl',
  madeFrom: 'an app 1.2.3, x86-64',
  functions: {
    SSL_write: [
      {
        kind: 'bytes',
        arch: 'x64',
        pattern: '55 48 89 e5 ?? ?? 41 57',
        offset: 0,
        madeFrom: 'an app 1.2.3',
      },
    ],
  },
}

describe('TLS pattern files', () => {
  it('ships a BoringSSL set stating the Chromium build it was made from', () => {
    const [set] = loadTlsPatterns([builtin])
    expect(set).toMatchObject({ library: 'boringssl', group: 'boringssl' })
    expect(set.madeFrom).toMatch(/Chromium \d+\.\d+\.\d+\.\d+/)
    expect(Object.keys(set.functions)).toEqual(
      expect.arrayContaining(['SSL_write', 'SSL_read', 'ssl_log_secret']),
    )
  })

  it("puts the user's files first, and one named like a built-in replaces it", () => {
    const replaced = { ...valid, library: 'boringssl', group: 'boringssl' }
    const sets = loadTlsPatterns([userDir({ 'mylib.json': valid, 'boringssl.json': replaced }), builtin])
    expect(sets.map((s) => s.library)).toEqual(['boringssl', 'mylib'])
    expect(sets[0]).toEqual(replaced)
  })

  it.each([
    ['not JSON', '{', /cannot read TLS pattern file .*bad\.json: .*; fix or remove it/],
    [
      'a bad byte pattern',
      { ...valid, functions: { SSL_write: [{ ...valid.functions.SSL_write[0], pattern: '?? 48 zz' }] } },
      /bad\.json is invalid: functions\.SSL_write\.0\.pattern: not a Memory\.scan pattern.*README/,
    ],
    [
      'a call to a function it does not locate',
      {
        ...valid,
        functions: {
          SSL_read: [{ kind: 'errors', file: '/ssl/ssl_lib.cc', reasons: [66], calls: 'nowhere' }],
        },
      },
      /calls "nowhere", not in functions/,
    ],
    ['an unknown field', { ...valid, extra: 1 }, /is invalid: .*extra/],
    ['the socket group', { ...valid, group: 'socket' }, /is invalid: group/],
    ['more than 256 KiB', ' '.repeat(300 * 1024), /larger than 262144 bytes/],
  ])('refuses %s, naming the file and the fix', (_what, content, message) => {
    const dir = userDir({ 'bad.json': content })
    expect(() => loadTlsPatterns([dir, builtin])).toThrow(UserError)
    expect(() => loadTlsPatterns([dir, builtin])).toThrow(message)
  })
})
