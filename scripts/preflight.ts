// The first step of `npm test`: runs every system part the test suite needs and checks the reference data,
// all at once, and fails within seconds with one message naming everything missing and the one command that
// installs it all, instead of dozens of failed tests. Run with `node --import tsx scripts/preflight.ts`.
import { join } from 'node:path'
import { referenceProblems } from '../src/core/reference/check'
import { referenceDir } from '../src/core/reference/location'
import { failingParts, failure, nativeModules, nativeModulesFailure, partCount } from './system-parts'

async function main(): Promise<void> {
  const started = performance.now()
  const [missing, server, native] = await Promise.all([
    failingParts(),
    nativeModulesFailure(),
    // Answers when a sound server runs; otherwise starts PulseAudio, as the audio tests do.
    failure(['sh', join(__dirname, 'pulseaudio.sh')]),
  ])
  if (server) missing.push(`PulseAudio server: ${server}`)
  if (native) missing.push(`${nativeModules.join(' and ')} for this Node (built for Electron?): ${native}`)
  const dir = referenceDir()
  const problems = referenceProblems(dir)
  if (problems.length > 0)
    missing.push(
      `reference data in ${dir}: ${problems[0]}` +
        (problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''),
    )
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  if (missing.length === 0) {
    process.stdout.write(
      `preflight: ${partCount} system parts, a sound server and the reference data are ready (${seconds} s)\n`,
    )
    return
  }
  process.stderr.write(
    `preflight: the tests need ${missing.length === 1 ? 'this, which is' : 'these, which are'} missing or do not run here:\n` +
      missing.map((m) => `  - ${m}\n`).join('') +
      'Install everything the tests need, and fetch the reference data, with one command:\n' +
      '  npm run setup\n',
  )
  process.exitCode = 1
}

void main()
