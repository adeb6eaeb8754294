// `npm install`'s last step: the native modules (better-sqlite3, re2) rebuilt for Electron's ABI, which the
// Electron app needs, by electron-builder install-app-deps (what the electron-vite template runs). Skipped,
// said in one line, where Electron's binary is not installed: npm start then runs web mode, under Node, for
// which npm built them. Note that once rebuilt, they no longer load under Node (CLI, tests): see README.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { electronBinary } from './electron-binary.mjs'

const require = createRequire(import.meta.url)

function builderCli() {
  try {
    return require.resolve('electron-builder/cli.js')
  } catch {
    return null
  }
}

const cli = builderCli()
if (!electronBinary()) {
  console.log(
    "postinstall: skipped rebuilding native modules for Electron: Electron's binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD or no download); they stay built for Node.",
  )
} else if (!cli) {
  console.log(
    'postinstall: skipped rebuilding native modules for Electron: electron-builder is not installed.',
  )
} else {
  const r = spawnSync(process.execPath, [cli, 'install-app-deps'], { stdio: 'inherit' })
  if (r.status !== 0) {
    console.error(
      'postinstall: rebuilding native modules for Electron failed (see above); fix that and run "npx electron-builder install-app-deps", or set ELECTRON_SKIP_BINARY_DOWNLOAD=1 to use web mode only',
    )
    process.exit(r.status ?? 1)
  }
}
