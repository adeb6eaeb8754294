import { closeSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'
import { planSpec, type PlanSpec } from '../../shared/contract/plans'
import { UserError } from '../errors'
import { openRegularFile } from '../regular-file'

/** A plan is a page of text; a megabyte is thousands of conditions. */
const maxPlanBytes = 1024 * 1024

/** "conditions[1].meta.micMode: Invalid input": where each problem is, in the file's own terms. */
export function planProblems(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const where = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
      return `${where.replace(/^\./, '') || 'the plan'}: ${i.message}`
    })
    .join('; ')
}

/**
 * Reads and validates an experiment plan file: JSON, or YAML when it is named .yaml/.yml. Episode paths are
 * taken relative to the plan's folder, so a plan travels with its episodes.
 */
export function readPlanFile(file: string): PlanSpec {
  const fix = `give a JSON or YAML plan file of at most ${maxPlanBytes} bytes`
  const { fd } = openRegularFile(file, { what: 'plan', fix, maxBytes: maxPlanBytes })
  let text: string
  try {
    text = readFileSync(fd, 'utf8')
  } finally {
    closeSync(fd)
  }
  let raw: unknown
  const yaml = /\.ya?ml$/i.test(file)
  try {
    raw = yaml ? parseYaml(text) : JSON.parse(text)
  } catch (err) {
    throw new UserError(
      `the plan ${file} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}; fix the file (JSON unless it ends in .yaml)`,
    )
  }
  const parsed = planSpec.safeParse(raw)
  if (!parsed.success) throw new UserError(`the plan ${file} has problems: ${planProblems(parsed.error)}`)
  const folder = dirname(resolve(file))
  return { ...parsed.data, episodes: parsed.data.episodes.map((e) => resolve(folder, e)) }
}
