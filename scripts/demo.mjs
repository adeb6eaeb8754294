// `npm run demo`: the whole loop on Linux in about two minutes: MuteScope's virtual microphone, refvca as the
// muted app, the shipped episode whose level steps every 15 s, 5 s telemetry intervals; then the correlation.
import { spawnSync } from 'node:child_process'
import { ensureBuilt } from './ensure-built.mjs'

ensureBuilt()
if (process.platform === 'linux') {
  const pulse = spawnSync('sh', ['scripts/pulseaudio.sh'], { stdio: 'inherit' })
  if (pulse.status !== 0) process.exit(1)
}
const cli = ['bin/mutescope.cjs']
const run = spawnSync(
  process.execPath,
  [
    ...cli,
    'run',
    '--target',
    'refvca',
    '--episode',
    'resources/demo/demo-episode.opus',
    '--interval',
    '5',
    '--duration',
    '100',
    '--name',
    'Demo experiment',
    '--json',
  ],
  { stdio: ['inherit', 'pipe', 'inherit'], encoding: 'utf8' },
)
process.stdout.write(run.stdout)
if (run.status !== 0) process.exit(run.status ?? 1)
const { sessionId } = JSON.parse(run.stdout.trim().split('\n').pop())
const corr = spawnSync(process.execPath, [...cli, 'correlate', String(sessionId), '--json'], {
  encoding: 'utf8',
})
if (corr.status !== 0) {
  process.stderr.write(corr.stderr)
  process.exit(1)
}
const { n, pearson, spearman } = JSON.parse(corr.stdout)
const r = (x) => (x === null ? 'n/a' : x.toFixed(3))
console.log(`\nsession ${sessionId}: ${n} telemetry intervals paired with the played LAeq`)
for (const g of ['min', 'mean', 'max'])
  console.log(
    `  ${g} gain: Pearson r = ${r(pearson[g]?.r)} (p = ${pearson[g]?.p?.toExponential(1)}), Spearman rho = ${r(spearman[g]?.rho)}`,
  )
console.log(
  `Review it in the UI (npm start, Sessions) or export: npx mutescope correlate ${sessionId} --png plot.png`,
)
