// Bundles what runs under plain Node (the CLI, hence web mode) and the Frida agent, next to electron-vite's output.
import { build } from 'esbuild'
import { existsSync, readFileSync } from 'node:fs'

const { version } = JSON.parse(readFileSync('package.json', 'utf8'))

await build({
  // job-worker: the heavy jobs' worker thread (src/core/jobs/worker-file.ts finds it beside the CLI).
  entryPoints: { mutescope: 'src/cli/main.ts', 'job-worker': 'src/core/jobs/job-worker.ts' },
  outdir: 'out/cli',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  define: { 'process.env.MUTESCOPE_VERSION': JSON.stringify(version) },
  logLevel: 'warning',
})

if (existsSync('src/agent/index.ts')) {
  await build({
    entryPoints: { agent: 'src/agent/index.ts' },
    outdir: 'out/agent',
    bundle: true,
    platform: 'neutral',
    target: 'es2022',
    format: 'iife',
    logLevel: 'warning',
  })
}
