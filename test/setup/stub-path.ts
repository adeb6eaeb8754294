import { chmodSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { tempDir } from '../support/helpers'

/**
 * A PATH holding every command of this one but `leaveOut`, with `stubs` (shell scripts by name) in front: a
 * machine where those commands are missing or broken.
 */
export function pathWithout(leaveOut: string[], stubs: Record<string, string> = {}): string {
  const bin = tempDir('mutescope-path-')
  const stubDir = join(bin, 'stubs')
  const linked = join(bin, 'linked')
  mkdirSync(stubDir)
  mkdirSync(linked)
  for (const [name, script] of Object.entries(stubs)) {
    writeFileSync(join(stubDir, name), script)
    chmodSync(join(stubDir, name), 0o755)
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || !existsSync(dir)) continue
    for (const name of readdirSync(dir))
      if (!leaveOut.includes(name) && !existsSync(join(linked, name)))
        symlinkSync(join(dir, name), join(linked, name))
  }
  return [stubDir, linked].join(delimiter)
}

/** A stub that fails the way a binary missing its shared libraries does. */
export const brokenBinary = (name: string) =>
  `#!/bin/sh\necho "${name}: error while loading shared libraries: libnss3.so: cannot open shared object file" >&2\nexit 127\n`
