import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, matchesGlob, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { repoRoot } from '../support/helpers'

// What `npm run dist -- --dir` packages: electron-builder reads electron-builder.yml, checked here.
const config = parse(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) as {
  files?: string[]
  asarUnpack?: string[]
  electronFuses?: Record<string, boolean>
  extraMetadata?: { main?: string }
  npmRebuild?: boolean
  linux?: { target?: string[] }
  win?: { target?: string }
  mac?: { target?: string }
}
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  main: string
  dependencies: Record<string, string>
  optionalDependencies: Record<string, string>
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(repoRoot, join(e.parentPath, e.name)))
}

const unpacked = (file: string) => (config.asarUnpack ?? []).some((glob) => matchesGlob(file, glob))

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

  it('builds an installer per OS and ships the built app, its CLI and its resources', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb'])
    expect(config.win?.target).toBe('nsis')
    expect(config.mac?.target).toBe('dmg')
    expect(config.files).toEqual(expect.arrayContaining(['out/**', 'bin/**', 'resources/**', 'package.json']))
    // Electron starts electron-vite's main bundle.
    expect(config.extraMetadata?.main).toBe(pkg.main)
    expect(pkg.main).toBe('out/main/index.js')
    // Native modules are rebuilt for Electron's ABI when packaging.
    expect(config.npmRebuild).toBe(true)
  })

  it('unpacks every native module from the asar archive', () => {
    const native = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).filter((name) =>
      existsSync(join(repoRoot, 'node_modules', name, 'binding.gyp')),
    )
    expect(native).toContain('better-sqlite3')
    for (const name of native) expect(config.asarUnpack).toContain(`node_modules/${name}/**`)
  })

  // resourcePath() points into app.asar.unpacked (src/core/paths.ts): Python opens frida-bridge.py, ffmpeg
  // the demo episode, and neither can read inside an asar archive.
  it('unpacks every file under resources/, where resourcePath() looks for it', () => {
    const resources = filesUnder('resources')
    expect(resources).toEqual(
      expect.arrayContaining(['resources/frida-bridge.py', 'resources/demo/demo-episode.opus']),
    )
    expect(resources.filter((f) => !unpacked(f))).toEqual([])
    expect(unpacked('out/main/index.js')).toBe(false)
  })

  it('packs every package the core and CLI load at run time (only dependencies are packaged)', () => {
    const shipped = new Set([
      'electron',
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.optionalDependencies),
    ])
    const loaded = new Set<string>()
    for (const dir of ['src/core', 'src/shared', 'src/cli', 'src/main'])
      for (const file of filesUnder(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
        const text = readFileSync(join(repoRoot, file), 'utf8')
        const specifiers = [
          ...text.matchAll(/^import (?!type )(?:[^;]*? from )?'([^'.][^']*)'/gm),
          ...text.matchAll(/\b(?:import|require)\('([^'.][^']*)'\)/g),
        ].map((m) => m[1])
        for (const s of specifiers.filter((s) => !s.startsWith('node:')))
          loaded.add(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0])
      }
    expect(loaded).toContain('better-sqlite3')
    expect([...loaded].filter((name) => !shipped.has(name))).toEqual([])
  })
})
