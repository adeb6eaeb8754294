import { closeSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { UserError } from '../errors'
import { openRegularFile } from '../regular-file'

const maxPlaylistBytes = 1024 * 1024
/** Playlists may name playlists; past this depth it is a loop. */
const maxDepth = 4

export const isPlaylist = (file: string) => /\.m3u8?$/i.test(file)

/**
 * The episodes a list of files and M3U playlists names, in order: a playlist's lines that are not comments
 * (#EXTM3U, #EXTINF ...) are files, relative to the playlist's folder. Everything else is passed through
 * for ffmpeg to decode, whatever its format.
 */
export function expandPlaylists(entries: readonly string[], depth = 0): string[] {
  return entries.flatMap((entry) => {
    if (!isPlaylist(entry)) return [entry]
    if (depth >= maxDepth)
      throw new UserError(`playlist ${entry} is nested more than ${maxDepth} deep; does it include itself?`)
    const fix = 'give an M3U playlist of at most 1 MiB'
    const { fd } = openRegularFile(entry, { what: 'playlist', fix, maxBytes: maxPlaylistBytes })
    let text: string
    try {
      text = readFileSync(fd, 'utf8')
    } finally {
      closeSync(fd)
    }
    const files = text
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/^\uFEFF/, ''))
      .filter((l) => l !== '' && !l.startsWith('#'))
    for (const f of files)
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(f))
        throw new UserError(
          `playlist ${entry} names a URL (${f}); download the episode and list its file instead`,
        )
    if (files.length === 0)
      throw new UserError(`playlist ${entry} names no files; add one episode file per line`)
    const base = dirname(entry)
    return expandPlaylists(
      files.map((f) => (isAbsolute(f) ? f : resolve(base, f))),
      depth + 1,
    )
  })
}
