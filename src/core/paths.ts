import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { homedir, platform } from 'node:os'
import { dirname, join } from 'node:path'

let root: string | undefined

/** The folder holding MuteScope's package.json, found from wherever the code was bundled to. */
export function packageRoot(): string {
  if (root) return root
  let dir = __dirname
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'mutescope') return (root = dir)
    const up = dirname(dir)
    if (up === dir) throw new Error(`cannot find the mutescope package root above ${__dirname}`)
    dir = up
  }
}

/**
 * The resources/ folder of the app whose package root is `root`. A packaged app's root is the archive
 * `…/app.asar`, which only Electron's own fs can read; electron-builder's asarUnpack extracts resources/**
 * to `app.asar.unpacked` beside it, so that Python (frida-bridge.py) and ffmpeg (the demo episode) can open
 * them. Unpacked (asar: false) and development layouts use the folder as it is.
 */
export function resourceDir(root: string): string {
  return join(root.replace(/([\\/])app\.asar$/, '$1app.asar.unpacked'), 'resources')
}

export function resourcePath(...parts: string[]): string {
  return join(resourceDir(packageRoot()), ...parts)
}

/** Built artefacts (renderer, agent bundle) live under out/. */
export function outPath(...parts: string[]): string {
  return join(packageRoot(), 'out', ...parts)
}

/**
 * MUTESCOPE_DATA_DIR, otherwise the OS's per-user app-data folder. Created on first use, readable by its
 * owner only: it holds captured plaintext.
 */
export function dataDir(): string {
  const fromEnv = process.env.MUTESCOPE_DATA_DIR
  const dir = fromEnv && fromEnv.length > 0 ? fromEnv : defaultDataDir()
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  return dir
}

function defaultDataDir(): string {
  const home = homedir()
  switch (platform()) {
    case 'win32':
      return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'MuteScope')
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'MuteScope')
    default:
      return join(process.env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'mutescope')
  }
}
