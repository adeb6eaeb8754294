import { basename } from 'node:path'
import { UserError } from '../errors'

/** One played clip of the authors' data: per-minute gains Webex reported while it played. */
export interface GainsBlock {
  /** The clip's file name, e.g. `cooking3.mp4.wav`. */
  video: string
  /** Whatever followed the file name on its line (a distance note such as `10 cm`), or ''. */
  note: string
  /** 1-based line of the block's header, for messages. */
  line: number
  max: number[]
  mean: number[]
  min: number[]
}

const LISTS = ['Maxs', 'Means', 'Mins'] as const

function parseList(text: string, key: string, where: string): number[] {
  const m = new RegExp(`^${key}:\\s*\\[(.*)\\]\\s*$`).exec(text)
  if (!m)
    throw new UserError(`${where}: expected "${key}:[...]", found "${text.slice(0, 60)}"; fix the data file`)
  const body = m[1].trim()
  if (body === '') return []
  return body.split(',').map((s) => {
    const v = Number(s.trim())
    if (s.trim() === '' || !Number.isInteger(v)) {
      throw new UserError(`${where}: "${s.trim()}" in ${key} is not a whole number; fix the data file`)
    }
    return v
  })
}

/**
 * Parses the authors' format: blocks of a line naming the played file (optionally followed by a note),
 * then `Maxs:[...]`, `Means:[...]`, `Mins:[...]`. Blank lines between blocks are allowed; blocks whose lists
 * are empty are skipped, as the authors' parser did. Anything else is an error naming file and line.
 */
export function parseGainsFile(text: string, fileName: string): GainsBlock[] {
  const lines = text.split(/\r?\n/)
  const blocks: GainsBlock[] = []
  let i = 0
  while (i < lines.length) {
    const header = lines[i].trim()
    if (header === '') {
      i++
      continue
    }
    const where = `${fileName}:${i + 1}`
    if (LISTS.some((k) => header.startsWith(`${k}:`))) {
      throw new UserError(
        `${where}: a gains list without a line naming the played file before it; fix the data file`,
      )
    }
    const [path, ...rest] = header.split(/\s+/)
    const lists = LISTS.map((key, k) => {
      const at = i + 1 + k
      if (at >= lines.length)
        throw new UserError(`${fileName}:${at + 1}: the file ends inside a block; fix the data file`)
      return parseList(lines[at].trim(), key, `${fileName}:${at + 1}`)
    })
    const [max, mean, min] = lists
    if (max.length !== mean.length || mean.length !== min.length) {
      throw new UserError(
        `${where}: Maxs, Means and Mins of "${path}" have ${max.length}, ${mean.length} and ${min.length} values; ` +
          'they must have one value per minute each',
      )
    }
    if (max.length > 0)
      blocks.push({ video: basename(path), note: rest.join(' '), line: i + 1, max, mean, min })
    i += 4
  }
  if (blocks.length === 0)
    throw new UserError(`${fileName}: no gains blocks found; is this one of the authors' files?`)
  return blocks
}
