/**
 * Whether JSON text nests deeper than `max` levels, found by scanning the text before it is parsed: V8's
 * JSON.parse copes with any depth, but what walks or stringifies the result recursively does not.
 */
export function jsonDeeperThan(text: string, max: number): boolean {
  if (!hasMoreOpenersThan(text, max)) return false
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return false
}

/** Text with no more '{' and '[' than max cannot nest deeper; indexOf counts them far faster than a loop. */
function hasMoreOpenersThan(text: string, max: number): boolean {
  let n = 0
  for (const c of ['{', '['])
    for (let i = text.indexOf(c); i >= 0; i = text.indexOf(c, i + 1)) if (++n > max) return true
  return false
}
