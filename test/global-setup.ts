import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** Tests drive the built CLI and renderer, as users do; rebuild the cheap part so it is never stale. */
export default function setup(): void {
  // Each project of vitest.config.mts runs its global setup, all in this one process: build once.
  if (process.env.MUTESCOPE_TEST_BUILT) return
  process.env.MUTESCOPE_TEST_BUILT = '1'
  const root = join(__dirname, '..')
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { cwd: root, stdio: 'inherit' })
  if (!existsSync(join(root, 'out', 'renderer', 'index.html'))) {
    execFileSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' })
  }
}
