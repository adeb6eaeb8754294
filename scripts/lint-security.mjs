// `npm run lint:security`: Electronegativity over the Electron sources; fails on any high-severity finding.
// Its own CLI breaks against the hoisted commander, so its documented programmatic runner is used instead.
import { createRequire } from 'node:module'
import { resolve } from 'node:path'

const require = createRequire(import.meta.url)
const run = require('@doyensec/electronegativity')

const result = await run({
  input: resolve('src'),
  isRelative: true,
  customScan: [],
  excludeFromScan: [],
  parserPlugins: [],
  electronVersionOverride: require('electron/package.json').version,
})

const parseFailures = result.errors.filter((e) => !e.tolerable)
for (const e of result.errors)
  console.log(`${e.tolerable ? 'note' : 'error'}: cannot parse ${e.file}: ${e.message}`)
for (const i of result.issues) {
  const where = `${i.file}:${i.location.line}:${i.location.column}`
  console.log(`${i.severity.name.padEnd(13)} ${i.confidence.name.padEnd(9)} ${i.id.padEnd(36)} ${where}`)
}
const high = result.issues.filter((i) => i.severity.name === 'HIGH')
console.log(
  `electronegativity: ${result.atomicChecks} atomic + ${result.globalChecks} global checks, ${result.issues.length} findings, ${high.length} high`,
)
if (high.length > 0 || parseFailures.length > 0) process.exit(1)
