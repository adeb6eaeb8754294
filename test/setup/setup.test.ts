import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { referenceProblems } from '../../src/core/reference/check'
import { referenceData, repoRoot, tempDir } from '../support/helpers'
import { brokenBinary, pathWithout } from './stub-path'

/** `npm run setup` with its own data folder, the reference data taken from the copy the tests use. */
function setup(env: NodeJS.ProcessEnv) {
  const dataDir = tempDir('mutescope-setup-')
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'setup.ts')], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 300_000,
    env: {
      ...process.env,
      MUTESCOPE_DATA_DIR: dataDir,
      MUTESCOPE_REFERENCE_DATA: '',
      MUTESCOPE_REFERENCE_FROM: join(referenceData, 'authors-artifact'),
      ...env,
    },
  })
  return { dataDir, status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('npm run setup', () => {
  it('installs nothing where every part runs, and fetches the reference data from MUTESCOPE_REFERENCE_FROM', () => {
    const r = setup({})
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^setup: system packages and Frida: every part the tests run is here already$/m)
    expect(r.stdout).not.toMatch(/apt-get|pip/)
    expect(r.stdout).toContain(
      `bin/mutescope.cjs data fetch --from ${join(referenceData, 'authors-artifact')}\n`,
    )
    expect(r.stdout).toMatch(
      /^12 of 12 authors' files verified; 1238 telemetry packets derived; reference data in /m,
    )
    expect(referenceProblems(join(r.dataDir, 'reference'))).toEqual([])
  })

  it('installs the Debian packages with apt-get when a part does not run, says so, and checks again', () => {
    // This machine runs setup as root (no sudo); apt-get is a stub that records what it was asked.
    const log = join(tempDir('mutescope-apt-'), 'apt-get.log')
    const PATH = pathWithout(['chromium'], {
      chromium: brokenBinary('chromium'),
      'apt-get': `#!/bin/sh\necho "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> ${log}\n`,
    })
    const r = setup({ PATH })
    expect(r.stdout).toMatch(/^setup: missing or not running: chromium: exits with 127: .*libnss3\.so/m)
    const apt = readFileSync(log, 'utf8').trim().split('\n')
    expect(apt[0]).toBe('DEBIAN_FRONTEND=noninteractive update -q')
    const installed = apt[1].split(' ')
    expect(installed.slice(0, 5)).toEqual([
      'DEBIAN_FRONTEND=noninteractive',
      'install',
      '-y',
      '-q',
      '--no-install-recommends',
    ])
    // Everything .ci/run installed before it called npm run setup, and pip for Frida.
    for (const p of 'chromium firefox-esr libnss3-tools fonts-dejavu-core ffmpeg pulseaudio pulseaudio-utils sox espeak-ng curl wget openssl ca-certificates procps util-linux poppler-utils tshark wireshark-common tcpdump iproute2 default-jdk-headless python3-pip'.split(
      ' ',
    ))
      expect(installed).toContain(p)
    expect(r.stdout).toMatch(
      /^setup: running: env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium /m,
    )
    // The stub installed nothing: chromium still fails, and setup says so instead of going on.
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/^setup: installed, but these still do not run: chromium: exits with 127/m)
    expect(r.stdout).not.toMatch(/data fetch/)
  })
})
