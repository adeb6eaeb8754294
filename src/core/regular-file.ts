import { closeSync, constants, fstatSync, openSync, type Stats } from 'node:fs'
import { UserError } from './errors'

export interface RegularFile {
  fd: number
  size: number
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder'
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device'
  if (st.isSocket()) return 'a socket'
  return 'not a regular file'
}

/**
 * Opens `file` for reading only if it is a regular file (of at most `maxBytes`): a device such as /dev/zero,
 * a FIFO or a folder is refused before a byte is read. O_NONBLOCK keeps opening a FIFO from waiting for a
 * writer; it changes nothing for regular files. `what` names the file in messages ("profile"), `fix` says
 * what to give instead. The caller owns the returned descriptor.
 */
export function openRegularFile(
  file: string,
  opts: { what: string; fix: string; maxBytes?: number },
): RegularFile {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message
    throw new UserError(`cannot read ${opts.what} ${file}: ${why}; ${opts.fix}`)
  }
  const st = fstatSync(fd)
  let problem: string | null = null
  if (!st.isFile()) problem = `it is ${kindOf(st)}, not a regular file`
  else if (opts.maxBytes !== undefined && st.size > opts.maxBytes)
    problem = `it is ${st.size} bytes, more than the ${opts.maxBytes} a ${opts.what} may have`
  if (problem) {
    closeSync(fd)
    throw new UserError(`cannot read ${opts.what} ${file}: ${problem}; ${opts.fix}`)
  }
  return { fd, size: st.size }
}
