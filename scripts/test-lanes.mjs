// Runs the test suite in the lanes of vitest.config.mts: "pulseaudio" and "other" side by side (each one file
// at a time), then "alone". vitest's own projects cannot do this: projects that each run one file at a time are
// all put into one sequential group. Extra arguments (file filters, -t) go to every lane.
import { spawn, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'

const vitest = 'node_modules/vitest/vitest.mjs'
const extra = process.argv.slice(2)

// Built once here: two lanes building into out/ at once could each read the other's half-written bundle.
execFileSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'inherit' })
if (!existsSync('out/renderer/index.html'))
  execFileSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' })
const env = { ...process.env, MUTESCOPE_TEST_BUILT: '1' }

/** One lane's vitest, its lines prefixed with the lane's name; resolves with its exit code. */
function lane(project) {
  const child = spawn(
    process.execPath,
    [vitest, 'run', '--project', project, '--passWithNoTests', ...extra],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (line) => console.log(`[${project}] ${line}`))
  return new Promise((resolve) => child.on('close', (code, signal) => resolve(signal ? 1 : (code ?? 1))))
}

const started = Date.now()
const side = await Promise.all([lane('pulseaudio'), lane('other')])
const last = await lane('alone')
const codes = [...side, last]
console.log(`test lanes: exit codes ${codes.join(', ')} in ${Math.round((Date.now() - started) / 1000)} s`)
process.exit(codes.some((c) => c !== 0) ? 1 : 0)
