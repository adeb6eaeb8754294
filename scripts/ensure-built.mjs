// Builds MuteScope once, for `npm start` and `npm run demo` on a fresh clone.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export function ensureBuilt() {
  const outputs = [
    'out/renderer/index.html',
    'out/cli/mutescope.cjs',
    'out/main/index.js',
    'out/agent/agent.js',
  ]
  if (outputs.every((f) => existsSync(f))) return
  const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' })
  if (build.status !== 0) process.exit(build.status ?? 1)
}
