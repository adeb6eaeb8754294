import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { partCount } from '../../scripts/system-parts'
import { repoRoot, tempDir } from '../support/helpers'
import { brokenBinary, pathWithout } from './stub-path'

function preflight(env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'preflight.ts')], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('scripts/preflight (the first step of npm test)', () => {
  it('runs every part: a missing ffmpeg and a chromium that cannot start are named in one message with npm run setup', () => {
    const PATH = pathWithout(['chromium', 'ffmpeg'], { chromium: brokenBinary('chromium') })
    const r = preflight({ PATH })
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^preflight: the tests need these, which are missing or do not run here:\n/)
    expect(r.stderr).toMatch(
      /^ {2}- chromium: exits with 127: chromium: error while loading shared libraries: libnss3\.so/m,
    )
    expect(r.stderr).toMatch(/^ {2}- ffmpeg: not found on PATH$/m)
    // Only those two: everything else this machine has still runs.
    expect(r.stderr.match(/^ {2}- /gm)).toHaveLength(2)
    expect(r.stderr).toMatch(/\n {2}npm run setup\n$/)
    expect(r.stderr.match(/npm run setup/g)).toHaveLength(1)
  })

  it('names reference data that was not fetched', () => {
    const empty = tempDir('mutescope-noreference-')
    const r = preflight({ MUTESCOPE_REFERENCE_DATA: empty })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(
      new RegExp(
        `^ {2}- reference data in ${empty}: authors-artifact/\\S+ is missing \\(and 19 more\\)$`,
        'm',
      ),
    )
    expect(r.stderr.match(/^ {2}- /gm)).toHaveLength(1)
    expect(r.stderr).toMatch(/\n {2}npm run setup\n$/)
  })

  it('passes on this machine, which has everything', () => {
    const r = preflight({})
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(
      new RegExp(`^preflight: ${partCount} system parts, a sound server and the reference data are ready`),
    )
  })

  it('is the first step of npm test', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    expect(pkg.scripts.test).toMatch(/^npm run preflight && /)
    expect(pkg.scripts.preflight).toBe('node --import tsx scripts/preflight.ts')
  })
})
