import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { telemetryHandlers } from '../../src/core/api/telemetry'
import { UserError } from '../../src/core/errors'
import { JobRunner } from '../../src/core/jobs/runner'
import { compileProfile, decodeBytes, loadProfile } from '../../src/core/telemetry'
import { listProfiles } from '../../src/core/telemetry/profile'
import { tempDir } from '../support/helpers'
import { headerless, packets, withLength } from './packets'

const dataDir = tempDir('mutescope-profiles-')
const userDir = join(dataDir, 'profiles')

/** A profile for an imaginary app that reports {"stats": [{"at": seconds, "mic": {"agc": n}}]}. */
const zoomish = {
  name: 'zoomish',
  intervalS: 30,
  match: { path: '^/stats' },
  extract: { kind: 'records', each: ['stats[*]'], time: 'at', fields: { agc: 'mic.agc', peak: 'mic.peak' } },
}

beforeAll(() => {
  process.env.MUTESCOPE_DATA_DIR = dataDir
  mkdirSync(userDir, { recursive: true })
  writeFileSync(join(userDir, 'zoomish.json'), JSON.stringify(zoomish))
  writeFileSync(
    join(userDir, 'broken.json'),
    JSON.stringify({
      ...zoomish,
      name: 'broken',
      extract: { ...zoomish.extract, time: { scope: 3, path: 'at' } },
    }),
  )
})

describe('profiles', () => {
  it('lists the built-in and user profiles, an invalid one with its error', () => {
    const byName = Object.fromEntries(listProfiles().map((p) => [p.name, p]))
    expect(byName.webex).toMatchObject({ builtin: true, intervalS: 60, kind: 'records', error: null })
    expect(byName.generic).toMatchObject({
      builtin: true,
      intervalS: null,
      kind: 'numericLeaves',
      error: null,
    })
    expect(byName.zoomish).toMatchObject({ builtin: false, intervalS: 30, error: null })
    expect(byName.broken.error).toMatch(/scope 3 does not exist/)
  })

  it('a user profile by name extracts its fields, with its own time and path filter', () => {
    const body = Buffer.from(
      JSON.stringify({
        stats: [
          { at: 1_700_000_000, mic: { agc: 12 } },
          { at: 1_700_000_030, mic: { agc: 7.5, peak: -3 } },
        ],
      }),
    )
    const req = (path: string) =>
      withLength({ requestLine: `POST ${path} HTTP/1.1`, ts: '', body: '', truth: [] }, body)
    const { records } = decodeBytes(Buffer.concat([req('/stats?x=1'), req('/other')]), loadProfile('zoomish'))
    expect(records.map((r) => [r.t, r.path, r.fields])).toEqual([
      [1_700_000_000_000, '/stats', { agc: 12, peak: null }],
      [1_700_000_030_000, '/stats', { agc: 7.5, peak: -3 }],
    ])
  })

  it('invalid profiles fail with a message naming the problem and the fix', () => {
    const bad = (raw: unknown) => () => compileProfile(raw, 'my.json')
    expect(bad({ name: 'x' })).toThrow(UserError)
    expect(bad({ name: 'x' })).toThrow(/profile my\.json is invalid: extract: .*fix the file/)
    expect(bad({ ...zoomish, extract: { ...zoomish.extract, each: ['stats[*'] } })).toThrow(
      /extract\.each\.0: not a path/,
    )
    expect(bad({ ...zoomish, match: { path: '(' } })).toThrow(
      /match\.path: not a regular expression RE2 accepts/,
    )
    // Backreferences need a backtracking engine, whose time on hostile patterns is unbounded.
    expect(bad({ ...zoomish, match: { path: '^/(a)\\1$' } })).toThrow(/no backreferences or lookaround/)
    expect(bad({ ...zoomish, match: { path: 'a'.repeat(1001) } })).toThrow(/longer than 1000 characters/)
    expect(bad({ ...zoomish, extra: 1 })).toThrow(/extra/)
    expect(() => loadProfile('broken')).toThrow(/scope 3 does not exist/)
    expect(() => loadProfile('nope')).toThrow(/no profile "nope": use one of .*webex/)
    const notJson = join(dataDir, 'not.json')
    writeFileSync(notJson, '{')
    expect(() => loadProfile(notJson)).toThrow(/cannot read profile .*it must be a JSON file/)
  })

  it('generic reports every numeric leaf by its path, through the nested encodings', () => {
    const p = packets[0]
    const [r] = decodeBytes(headerless(p), loadProfile('generic'), { t: 5 }).records
    const levels = 'telemetrics[0].v.gzipb64data.event.intervals[0].audioTransmit[0].levels'
    expect([
      r.fields[`${levels}.audioMaxGain`],
      r.fields[`${levels}.audioMeanGain`],
      r.fields[`${levels}.audioMinGain`],
    ]).toEqual(p.truth[0])
    expect(r.t).toBe(5)
    expect(Object.keys(r.fields).length).toBeGreaterThan(50)
    expect(Object.values(r.fields).every((v) => typeof v === 'number')).toBe(true)
  })
})

describe('telemetry API handlers', () => {
  const h = telemetryHandlers({ jobs: new JobRunner() })

  it('decodeDocuments returns each request body as a tree, nested encodings undone', async () => {
    const out = (await h.decodeDocuments({
      base64: Buffer.concat([withLength(packets[0]), headerless(packets[1])]).toString('base64'),
    })) as {
      documents: { target: string; headers: Record<string, string>; document: unknown }[]
      problems: unknown[]
    }
    expect(out.problems).toEqual([])
    expect(out.documents.map((d) => d.target.split('?')[0])).toEqual(['/metric/v1', '/metric/v1'])
    expect(out.documents[0].headers['content-type']).toBe('application/json')
    const doc = out.documents[1].document as {
      telemetrics: {
        v: {
          gzipb64data: { event: { intervals: { audioTransmit: { levels: Record<string, number> }[] }[] } }
        }
      }[]
    }
    const levels = doc.telemetrics[0].v.gzipb64data.event.intervals[0].audioTransmit[0].levels
    expect([levels.audioMaxGain, levels.audioMeanGain, levels.audioMinGain]).toEqual(packets[1].truth[0])
  })

  it('listProfiles names the user folder', () => {
    const out = h.listProfiles({}) as { userDir: string; profiles: { name: string }[] }
    expect(out.userDir).toBe(userDir)
    expect(out.profiles.map((p) => p.name)).toEqual(expect.arrayContaining(['webex', 'generic', 'zoomish']))
  })

  it('decodeTelemetry decodes raw bytes and capture lines', async () => {
    const bytes = (await h.decodeTelemetry({
      profile: 'webex',
      input: { kind: 'bytes', base64: withLength(packets[0]).toString('base64') },
    })) as {
      records: { fields: Record<string, unknown> }[]
    }
    expect(bytes.records.map((r) => r.fields.audioMaxGain)).toEqual([packets[0].truth[0][0]])
    const line = (conn: string, data: Buffer) =>
      JSON.stringify({
        t: 1,
        conn,
        fn: 'SSL_write',
        module: 'm',
        dir: 'out',
        peer: null,
        data: data.toString('base64'),
      })
    const text = [line('a', headerless(packets[1])), 'not json', line('b', headerless(packets[2]))].join('\n')
    const lines = (await h.decodeTelemetry({ profile: 'webex', input: { kind: 'captureLines', text } })) as {
      records: { conn: string }[]
      problems: { message: string }[]
    }
    expect(lines.records.map((r) => r.conn)).toEqual(['a', 'b'])
    expect(lines.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^line 2: not JSON/)])
  })
})
