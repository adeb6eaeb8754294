import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { repoRoot } from '../support/helpers'

const config = parse(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) as {
  electronFuses?: Record<string, boolean>
  asarUnpack?: string[]
}

describe('the packaged app (electron-builder.yml)', () => {
  it('flips the Electron fuses that would let the environment or the command line run other code', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    })
  })

  it('unpacks every native module from the asar archive', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
      optionalDependencies: Record<string, string>
    }
    const native = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).filter((name) =>
      existsSync(join(repoRoot, 'node_modules', name, 'binding.gyp')),
    )
    expect(native).toContain('better-sqlite3')
    for (const name of native) expect(config.asarUnpack).toContain(`node_modules/${name}/**`)
  })
})
