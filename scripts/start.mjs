// `npm start`: the Electron app where its binary is installed; otherwise web mode, said in one line.
import { spawn } from 'node:child_process'
import { electronBinary } from './electron-binary.mjs'
import { ensureBuilt } from './ensure-built.mjs'

function run(cmd, args) {
  const child = spawn(cmd, args, { stdio: 'inherit' })
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)))
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
}

ensureBuilt()

const bin = electronBinary()
if (bin) run(bin, ['.'])
else {
  console.log(
    'Electron is not installed on this machine (its binary could not be downloaded); starting web mode instead.',
  )
  run(process.execPath, ['bin/mutescope.cjs', 'serve', ...process.argv.slice(2)])
}
