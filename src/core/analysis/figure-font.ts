import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { FIGURE_FONT } from './figure-svg'

/** Where systems keep DejaVu Sans when fontconfig cannot be asked (macOS, Windows, minimal Linux). */
const candidates = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/local/share/fonts/DejaVuSans.ttf',
  '/Library/Fonts/DejaVuSans.ttf',
  'C:\\Windows\\Fonts\\DejaVuSans.ttf',
]

let found: string | null | undefined

/**
 * The file of the figure font, so the PDF embeds and the PNG draws exactly the font the SVG names; null when
 * the system has none (then the PDF uses Helvetica and the PNG the system's sans-serif).
 */
export function figureFontFile(): string | null {
  if (found !== undefined) return found
  let file: string | null = null
  try {
    const out = execFileSync('fc-match', ['--format=%{file}', `${FIGURE_FONT}:style=Book`], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    if (/DejaVuSans\.ttf$/.test(out) && existsSync(out)) file = out
  } catch {
    // No fontconfig here: look where systems keep it.
  }
  found = file ?? candidates.find((c) => existsSync(c)) ?? null
  return found
}
